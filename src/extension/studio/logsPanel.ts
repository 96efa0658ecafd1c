// "BN Lens: Open TensorBoard Log…": the histograms and scalars of event files written by PyTorch's
// SummaryWriter or TensorFlow's tf.summary, in the inspector's views (ridge plots over steps, scalar
// lines), following the folder while its training still writes: a file watcher and a 2-second poll (a
// watcher may miss changes outside the workspace) re-read only files whose size changed, the follower
// decodes only the new records, and a half-written last record is waited for.
// A folder with event files in run subfolders (a --logdir of several runs) shows each run's tags under
// its subfolder's name, as TensorBoard does.

import * as vscode from 'vscode';
import { TensorBoardFollower } from '../../analysis/runs/follow';
import type { LogsHostToWebview, LogsWebviewToHost } from '../../protocol/studio';
import { EVENT_FILE_NAME } from '../../formats/tensorboard/reader';
import type { Log } from '../log';
import { displayName } from '../modelSource';
import { viewSettings } from '../settings';
import { webviewRoots } from '../webviewHtml';
import { WebviewPage } from '../webviewPage';
import { messageOf } from '../../shared/errors';

const POLL_MS = 2000;
/** Updates to the page at most this often while files grow quickly. */
const POST_MS = 250;

interface EventFile {
  /** Key of the file in the follower: its path relative to the log folder. */
  readonly key: string;
  readonly uri: vscode.Uri;
  readonly prefix: string;
}

export class TensorBoardLogPanel {
  static readonly viewType = 'bnlens.tensorboardLog';
  private static readonly open = new Map<string, TensorBoardLogPanel>();

  private readonly follower: TensorBoardFollower;
  private readonly disposables: vscode.Disposable[] = [];
  private refreshing: Promise<void> | undefined;
  private again = false;
  private lastPost = 0;
  private postTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly page: WebviewPage<LogsHostToWebview, LogsWebviewToHost>;
  private error: string | undefined;
  /** Files that failed: not read again (a damaged record does not mend itself). */
  private readonly broken = new Set<string>();

  /** Opens (or reveals) the log view of a folder or a single event file. */
  static show(extensionUri: vscode.Uri, target: vscode.Uri, log: Log): TensorBoardLogPanel {
    const key = target.toString();
    const existing = TensorBoardLogPanel.open.get(key);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(TensorBoardLogPanel.viewType, `TensorBoard: ${displayName(target)}`, vscode.ViewColumn.Active, {
      enableScripts: true, localResourceRoots: webviewRoots(extensionUri),
    });
    const view = new TensorBoardLogPanel(panel, extensionUri, target, log);
    TensorBoardLogPanel.open.set(key, view);
    return view;
  }

  private constructor(readonly panel: vscode.WebviewPanel, extensionUri: vscode.Uri, private readonly target: vscode.Uri, private readonly log: Log) {
    this.follower = new TensorBoardFollower(displayName(target));
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'bnlens-activity.svg');
    this.page = new WebviewPage<LogsHostToWebview, LogsWebviewToHost>(panel.webview, extensionUri, { title: `TensorBoard log ${displayName(target)}`, script: 'studio.js', style: 'studio.css' }, {
      init: () => this.refresh().then(() => this.postNow()),
      chartTarget: (fileName) => ({ proposed: vscode.Uri.joinPath(this.target, '..', fileName), protect: this.target }),
      problem: (e) => this.log.error(`TensorBoard log ${displayName(target)}`, e),
    });
    this.disposables.push(this.page);
    const timer = setInterval(() => void this.refresh(), POLL_MS);
    this.disposables.push({ dispose: () => clearInterval(timer) });
    this.watch().catch((e) => this.log.error(`TensorBoard log ${displayName(target)}: could not watch it`, e));
    panel.onDidDispose(() => this.dispose(), undefined, this.disposables);
  }

  private async watch(): Promise<void> {
    const folder = (await this.isFolder()) ? this.target : vscode.Uri.joinPath(this.target, '..');
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, '{events.out.tfevents.*,*/events.out.tfevents.*}'));
    const poke = (): void => void this.refresh();
    watcher.onDidChange(poke);
    watcher.onDidCreate(poke);
    watcher.onDidDelete(poke);
    this.disposables.push(watcher);
  }

  private async isFolder(): Promise<boolean> {
    let stat: vscode.FileStat;
    try {
      stat = await vscode.workspace.fs.stat(this.target);
    } catch {
      throw new Error(`${displayName(this.target)} does not exist`);
    }
    return (stat.type & vscode.FileType.Directory) !== 0;
  }

  /** The event files of the target: itself, or the folder's and its subfolders' (one level). */
  private async eventFiles(): Promise<EventFile[]> {
    if (!(await this.isFolder())) return [{ key: this.target.path.slice(this.target.path.lastIndexOf('/') + 1), uri: this.target, prefix: '' }];
    const out: EventFile[] = [];
    for (const [name, type] of await vscode.workspace.fs.readDirectory(this.target)) {
      if (type & vscode.FileType.File && EVENT_FILE_NAME.test(name)) out.push({ key: name, uri: vscode.Uri.joinPath(this.target, name), prefix: '' });
      else if (type & vscode.FileType.Directory) {
        const sub = vscode.Uri.joinPath(this.target, name);
        for (const [inner, innerType] of await vscode.workspace.fs.readDirectory(sub).then((e) => e, () => [] as [string, vscode.FileType][])) {
          if (innerType & vscode.FileType.File && EVENT_FILE_NAME.test(inner)) out.push({ key: `${name}/${inner}`, uri: vscode.Uri.joinPath(sub, inner), prefix: `${name}/` });
        }
      }
    }
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }

  /** Reads what changed; one refresh at a time, and one more if asked meanwhile. */
  private refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = this.readChanges().finally(() => {
      this.refreshing = undefined;
      if (this.again) {
        this.again = false;
        void this.refresh();
      }
    });
    return this.refreshing;
  }

  private async readChanges(): Promise<void> {
    let added = 0;
    try {
      const files = await this.eventFiles();
      const present = new Set(files.map((f) => f.key));
      for (const known of this.follower.fileNames()) {
        if (!present.has(known)) {
          this.follower.remove(known);
          added++;
        }
      }
      if (files.length === 0) {
        this.fail(`${displayName(this.target)} has no TensorBoard event files (events.out.tfevents.*) yet; BN Lens shows them as soon as they appear.`);
        return;
      }
      for (const f of files) {
        if (this.broken.has(f.key)) continue;
        const { size } = await vscode.workspace.fs.stat(f.uri);
        if (this.follower.unchanged(f.key, size)) continue;
        try {
          added += this.follower.update(f.key, await vscode.workspace.fs.readFile(f.uri), f.prefix) + 1;
        } catch (e) {
          this.broken.add(f.key);
          this.log.error(`TensorBoard log ${displayName(f.uri)}`, e);
          this.fail(messageOf(e));
        }
      }
      if (this.broken.size === 0) this.error = undefined;
    } catch (e) {
      this.log.error(`TensorBoard log ${displayName(this.target)}`, e);
      this.fail(messageOf(e));
      return;
    }
    if (added > 0) this.schedulePost();
  }

  private fail(message: string): void {
    if (this.error === message) return;
    this.error = message;
    void this.post({ type: 'logsError', source: displayName(this.target), message });
  }

  private schedulePost(): void {
    if (this.postTimer) return;
    this.postTimer = setTimeout(() => this.postNow(), Math.max(0, this.lastPost + POST_MS - Date.now()));
  }

  private postNow(): void {
    if (this.postTimer) clearTimeout(this.postTimer);
    this.postTimer = undefined;
    this.lastPost = Date.now();
    if (this.follower.fileNames().length === 0) return;
    void this.post({
      type: 'logs', source: displayName(this.target), files: this.follower.fileNames(), logs: this.follower.summary(),
      settings: viewSettings(), following: true,
    });
    if (this.error) void this.post({ type: 'logsError', source: displayName(this.target), message: this.error });
  }

  private post(message: LogsHostToWebview): Thenable<boolean> {
    return this.page.post(message);
  }

  private dispose(): void {
    TensorBoardLogPanel.open.delete(this.target.toString());
    if (this.postTimer) clearTimeout(this.postTimer);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
