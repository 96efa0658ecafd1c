// The Training Studio: a webview panel where the user picks a dataset, an architecture, the
// normalization and the optimizer, trains in the engine's worker thread and watches every
// normalization layer's statistics live; runs are saved under .bnlens/runs/ and reopen in the same
// views; one-click experiments train a few runs that differ in one thing and open them side by side.
// It also offers the live run to other views (the side panel) through onDidChangeLiveRun.

import * as vscode from 'vscode';
import { studioMessage } from '../messageGuards';
import { TrainingClient } from '../../engine/worker/client';
import { ExperimentQueue } from '../../analysis/runs/experimentQueue';
import { LiveRun } from '../../analysis/runs/liveRun';
import { FormError } from '../../analysis/runs/presets';
import { snapshotOf } from '../../analysis/runs/snapshot';
import { SpecError } from '../../analysis/runs/spec';
import { csvColumns, planRun } from '../../analysis/runs/startPlan';
import { listRuns, readRun, RunStoreError, RunWriter, RUNS_DIR, uniqueRunName, type RunFs, type RunListing } from '../../analysis/runs/store';
import { messageOf } from '../../shared/errors';
import { encodeFrames, widenFrame } from '../../shared/runs/frames';
import { DEFAULT_FORM, EXPERIMENTS, type ExperimentId, type StudioForm } from '../../shared/runs/studioForm';
import type { RunData, RunInfo } from '../../shared/runs/types';
import type { LiveRunSnapshot, StudioHostToWebview, StudioOptions, StudioWebviewToHost, WireRun } from '../../protocol/studio';
import { exportRunFiles } from '../../analysis/runs/export';
import { trustedToWrite } from '../trust';
import type { Log } from '../log';
import { kernelSetup, viewSettings } from '../settings';
import { webviewRoots } from '../webviewHtml';
import { WebviewPage } from '../webviewPage';
import { TensorBoardLogPanel } from './logsPanel';
import { vscodeRunFs } from './vscodeRunFs';

/** The side panel gets at most this many live-run snapshots a second. */
const SNAPSHOT_MS = 500;
const FILE_SEARCH_LIMIT = 200;

/** Where runs are saved: the first workspace folder, or (no folder open) the extension's global storage. */
interface RunsPlace {
  readonly fs: RunFs;
  /** Root URI the fs is relative to. */
  readonly root: vscode.Uri;
  /** The runs folder, relative to root. */
  readonly dir: string;
  readonly label: string;
  readonly inWorkspace: boolean;
}

export class TrainingStudio {
  static readonly viewType = 'bnlens.studio';

  private panel: vscode.WebviewPanel | undefined;
  private page: WebviewPage<StudioHostToWebview, StudioWebviewToHost> | undefined;
  private live: LiveRun | undefined;
  private experiment: ExperimentQueue | undefined;
  /** Runs to show when the page (re)loads: set by "open run" commands before the page is ready. */
  private pendingShow: { runs: WireRun[]; view: 'run' | 'compare' } | undefined;
  private pendingReveal: { run: string; layer: string } | undefined;
  /** A worker thread started ahead of the next run while the studio is open, so Start does not wait for it to load. */
  private spare: TrainingClient | undefined;
  private readonly liveEmitter = new vscode.EventEmitter<LiveRunSnapshot | undefined>();
  private snapshotTimer: ReturnType<typeof setTimeout> | undefined;
  private lastSnapshot = 0;

  /**
   * Fires when the live run's statistics change (at most twice a second), and with undefined when no
   * run is live any more. The side panel subscribes to show the live run's layers.
   */
  readonly onDidChangeLiveRun: vscode.Event<LiveRunSnapshot | undefined> = this.liveEmitter.event;

  static register(context: vscode.ExtensionContext, log: Log): TrainingStudio {
    const studio = new TrainingStudio(context, log);
    const command = (id: string, run: (...args: unknown[]) => unknown): vscode.Disposable => vscode.commands.registerCommand(id, run);
    context.subscriptions.push(
      studio.liveEmitter,
      command('bnlens.openStudio', () => { studio.show(); }),
      // Optional argument: changes to the demo's form (the tests and the walkthrough's links pass some).
      command('bnlens.startDemoRun', (patch?: unknown) => studio.startDemoRun(typeof patch === 'object' && patch !== null ? patch as Partial<StudioForm> : {})),
      command('bnlens.stopTraining', () => studio.stop()),
      command('bnlens.runExperiment', (id?: unknown) => studio.pickExperiment(typeof id === 'string' ? id : undefined)),
      command('bnlens.openRun', (name?: unknown) => studio.pickRun(typeof name === 'string' ? name : undefined)),
      command('bnlens.exportRun', (name?: unknown, format?: unknown) => studio.pickExport(typeof name === 'string' ? name : undefined, format === 'csv' || format === 'tensorboard' ? format : undefined)),
      // From the explorer (a URI), the palette (asks), or a workspace-relative path (tests, links).
      command('bnlens.openTensorBoardLog', (uri?: unknown) => void studio.openLog(uri instanceof vscode.Uri ? uri : typeof uri === 'string' ? studio.workspaceFile(uri) : undefined)),
      command('bnlens.openSampleModel', () => vscode.commands.executeCommand('vscode.openWith', vscode.Uri.joinPath(context.extensionUri, 'media', 'walkthrough', 'cnn-bn.onnx'), 'bnlens.inspector')),
      { dispose: () => { void studio.live?.stop(); void studio.spare?.terminate(); } },
      // After a window reload VS Code hands back the studio tab it had; the page then asks for everything anew.
      vscode.window.registerWebviewPanelSerializer(TrainingStudio.viewType, {
        deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => {
          if (studio.panel) panel.dispose();
          else studio.adopt(panel);
        },
      }),
    );
    return studio;
  }

  private constructor(private readonly context: vscode.ExtensionContext, private readonly log: Log) {}

  /**
   * Opens the studio on a run (the live one by default) scrolled to one of its layers: for the side
   * panel, when the user clicks a layer of the live run there.
   */
  revealLayer(layer: string, run = this.live?.name): void {
    if (!run) return;
    this.show();
    if (this.page?.isReady) this.post({ type: 'revealLayer', run, layer });
    // The page is loading: it gets the request right after its init.
    else this.pendingReveal = { run, layer };
  }

  /** The live run's latest statistics, or undefined when nothing is training. */
  liveRun(): LiveRunSnapshot | undefined {
    const w = this.live?.writer;
    if (!w) return undefined;
    // Only the latest step and frame: the snapshot needs no more, and the run may hold thousands.
    const schema = w.currentSchema();
    return snapshotOf({
      info: w.currentInfo(), spec: { layers: [] }, epochs: [], schema,
      steps: w.steps(Math.max(0, w.stepCount() - 1)),
      frames: w.frames(Math.max(0, w.frameCount() - 1)).map((f) => widenFrame(f, schema)),
    });
  }

  private place(): RunsPlace {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (folder) return { fs: vscodeRunFs(folder.uri), root: folder.uri, dir: RUNS_DIR, label: RUNS_DIR, inWorkspace: true };
    const root = this.context.globalStorageUri;
    return { fs: vscodeRunFs(root), root, dir: 'runs', label: `${vscode.Uri.joinPath(root, 'runs').fsPath} (no folder is open)`, inWorkspace: false };
  }

  /** Opens (or reveals) the studio. */
  show(): vscode.WebviewPanel {
    if (this.panel) {
      this.panel.reveal();
      return this.panel;
    }
    const panel = vscode.window.createWebviewPanel(TrainingStudio.viewType, 'BN Lens Training Studio', vscode.ViewColumn.Active, {
      enableScripts: true, localResourceRoots: webviewRoots(this.context.extensionUri),
    });
    this.adopt(panel);
    return panel;
  }

  /** Fills a panel (new, or restored after a reload) with the studio page and wires its messages. */
  private adopt(panel: vscode.WebviewPanel): void {
    panel.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'media', 'bnlens-activity.svg');
    const page = new WebviewPage<StudioHostToWebview, StudioWebviewToHost>(panel.webview, this.context.extensionUri, { title: 'Training Studio', script: 'studio.js', style: 'studio.css' }, {
      accept: studioMessage,
      dropped: (what) => this.log.warn(`Training Studio: dropped a message that is not in the protocol (${what})`),
      init: () => this.sendInit(),
      receive: (m) => this.receive(m),
      chartTarget: (fileName) => {
        const { root, dir } = this.place();
        return { proposed: vscode.Uri.joinPath(root, dir, fileName) };
      },
      problem: (e) => this.problem(e),
    });
    this.panel = panel;
    this.page = page;
    // Files the form offers and runs written by others (`bnlens train --out .bnlens/runs/x`) appear without a rescan.
    const timers: Partial<Record<'options' | 'runs', ReturnType<typeof setTimeout>>> = {};
    const later = (what: 'options' | 'runs'): void => {
      clearTimeout(timers[what]);
      timers[what] = setTimeout(() => {
        if (what === 'runs') void this.sendRuns().catch((e) => this.log.error('Training Studio: listing runs', e));
        else void this.options().then((options) => this.post({ type: 'options', options }), (e) => this.log.error('Training Studio: finding files', e));
      }, 500);
    };
    const files = vscode.workspace.createFileSystemWatcher('**/{*.csv,*.bnlens.json}', false, true, false);
    const runs = vscode.workspace.createFileSystemWatcher(`**/${RUNS_DIR}/*/run.json`, false, true, false);
    const subscriptions = [
      page, files, runs,
      files.onDidCreate(() => later('options')), files.onDidDelete(() => later('options')),
      runs.onDidCreate(() => later('runs')), runs.onDidDelete(() => later('runs')),
      { dispose: () => { clearTimeout(timers.options); clearTimeout(timers.runs); } },
      // A hidden page is discarded (retainContextWhenHidden is off); shown again, it says 'ready' and gets everything anew.
      panel.onDidChangeViewState(() => { if (!panel.visible) page.discarded(); }),
      vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('bnlens')) void this.sendInit(); }),
    ];
    this.prepareSpare();
    panel.onDidDispose(() => {
      this.panel = undefined;
      this.page = undefined;
      void this.spare?.terminate();
      this.spare = undefined;
      for (const s of subscriptions) s.dispose();
    });
  }

  private post(message: StudioHostToWebview): void {
    void this.page?.post(message);
  }

  private problem(error: unknown): void {
    const message = messageOf(error);
    if (!(error instanceof FormError || error instanceof SpecError || error instanceof RunStoreError)) this.log.error('Training Studio', error);
    else this.log.info(`Training Studio: ${message}`);
    if (this.page?.isReady) this.post({ type: 'problem', message });
    else void vscode.window.showErrorMessage(`BN Lens: ${message}`);
  }

  private async options(): Promise<StudioOptions> {
    const exclude = '{**/node_modules/**,**/.bnlens/**,**/.git/**}';
    const [csv, specs] = await Promise.all([
      vscode.workspace.findFiles('**/*.csv', exclude, FILE_SEARCH_LIMIT),
      vscode.workspace.findFiles('**/*.bnlens.json', exclude, FILE_SEARCH_LIMIT),
    ]);
    const rel = (u: vscode.Uri): string => vscode.workspace.asRelativePath(u, false);
    return { csvFiles: csv.map(rel).sort(), specFiles: specs.map(rel).sort(), runsFolder: this.place().label };
  }

  private async runs(): Promise<RunListing[]> {
    const { fs, dir } = this.place();
    const live = this.live?.name;
    // A run saved as running that is not the live one was cut short: the list says so.
    return (await listRuns(fs, dir)).map((r) => (r.info && r.name !== live && (r.info.status === 'running' || r.info.status === 'paused') ? { ...r, info: { ...r.info, status: 'interrupted' } } : r));
  }

  private async sendInit(): Promise<void> {
    if (!this.page?.isReady) return;
    const [options, runs] = await Promise.all([this.options(), this.runs()]);
    const show = this.pendingShow;
    this.pendingShow = undefined;
    this.post({
      type: 'init', options, runs, settings: viewSettings(),
      ...(this.live ? { live: toWire(this.live.resync()) } : {}),
      ...(this.experiment ? { experiment: this.experiment.progress } : {}),
      ...(show ? { show } : {}),
    });
    const reveal = this.pendingReveal;
    this.pendingReveal = undefined;
    if (reveal) this.post({ type: 'revealLayer', ...reveal });
  }

  private async sendRuns(): Promise<void> {
    if (this.page?.isReady) this.post({ type: 'runs', runs: await this.runs() });
  }

  private async receive(m: Exclude<StudioWebviewToHost, { readonly type: 'ready' | 'saveChart' }>): Promise<void> {
    switch (m.type) {
      case 'refresh':
        if (this.page?.isReady) this.post({ type: 'options', options: await this.options() });
        await this.sendRuns();
        return;
      case 'start':
        await this.start(m.form);
        return;
      case 'pause':
        this.live?.pause();
        return;
      case 'resume':
        this.live?.resume();
        return;
      case 'stop':
        await this.stop();
        return;
      case 'runExperiment':
        await this.runExperiment(m.id, m.form);
        return;
      case 'loadRuns': {
        const runs = await Promise.all(m.names.map((n) => this.load(n)));
        this.post({ type: 'runData', runs: runs.map(toWire), purpose: m.purpose });
        return;
      }
      case 'exportRun':
        await this.exportRun(m.name, m.format);
        return;
      case 'deleteRun':
        await this.deleteRun(m.name);
        return;
      case 'csvColumns':
        await this.csvColumns(m.file);
        return;
      case 'openFile': {
        const folder = vscode.workspace.workspaceFolders?.[0];
        if (folder) await vscode.window.showTextDocument(vscode.Uri.joinPath(folder.uri, m.file));
        return;
      }
    }
  }

  /** A saved run (or the live one) as the views take it. */
  private async load(name: string): Promise<RunData> {
    if (this.live?.name === name) return this.live.writer.data();
    const { fs, dir } = this.place();
    return readRun(fs, `${dir}/${name}`);
  }

  workspaceFile(path: string): vscode.Uri {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) throw new FormError(`${path}: workspace files need an open folder`);
    return vscode.Uri.joinPath(folder.uri, path);
  }

  private async readText(path: string): Promise<string> {
    try {
      return new TextDecoder().decode(await vscode.workspace.fs.readFile(this.workspaceFile(path)));
    } catch (e) {
      if (e instanceof FormError) throw e;
      throw new FormError(`${path}: cannot be read (${messageOf(e)})`);
    }
  }

  private async csvColumns(file: string): Promise<void> {
    const { columns, labelGuess } = csvColumns(file, await this.readText(file));
    this.post({ type: 'csvColumns', file, columns, labelGuess });
  }

  /** Starts a run from the form; returns its name. */
  async start(form: StudioForm, experiment?: RunInfo['experiment']): Promise<string> {
    if (this.live) throw new FormError(`a run is training (${this.live.name}): stop it first, or wait until it ends`);
    if (!(await trustedToWrite('save training runs'))) throw new FormError('this workspace is not trusted: BN Lens saves training runs only in trusted workspaces');
    const place = this.place();
    const plan = await planRun(form, {
      readText: (path) => this.readText(path),
      // The spec is saved in the run folder: its CSV path is relative to that folder (or absolute without a workspace).
      csvPathFromRun: (path) => (place.inWorkspace ? `../../../${path}` : this.workspaceFile(path).fsPath),
    }, new Date(), experiment);
    const { spec, config, source, label } = plan;
    const name = await uniqueRunName(place.fs, place.dir, plan.name);
    const writer = await RunWriter.create(place.fs, place.dir, { name, label, spec, experiment });
    const client = this.spare ?? this.newClient();
    this.spare = undefined;
    // The next run of an experiment starts as soon as this one ends: have its worker ready.
    if (experiment) this.prepareSpare();
    let started = false;
    client.on('started', () => { started = true; });
    const live = new LiveRun({
      client, writer,
      post: (update) => {
        this.post({ type: 'runUpdate', update });
        this.scheduleSnapshot();
      },
    });
    this.live = live;
    live.start(config, await kernelSetup(this.context.extensionUri));
    this.log.info(`Training Studio: started ${name} (${label})`);
    this.post({ type: 'liveStarted', run: toWire(writer.data()) });
    void this.sendRuns();
    void live.ended.then(async (info) => {
      this.live = undefined;
      this.prepareSpare();
      this.liveEmitter.fire(undefined);
      this.log.info(`Training Studio: ${name} ${info.status} after ${info.steps} steps${info.error ? `: ${info.error}` : ''}`);
      if (info.status === 'failed' && !started) {
        // The worker refused the job before training (a layer that does not fit the data): not a run worth keeping.
        await place.fs.remove(`${place.dir}/${name}`).catch(() => undefined);
        this.problem(new FormError(`${source}: the run could not start: ${(info.error ?? 'unknown error').replace(/^config\./, '')}`));
      } else if (info.status === 'failed') {
        this.problem(new FormError(`${name} failed at step ${info.steps}: ${info.error ?? 'unknown error'} (saved up to there)`));
      }
      await this.sendRuns();
      await this.nextExperimentRun(info);
    });
    return name;
  }

  private newClient(): TrainingClient {
    return new TrainingClient(vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'worker.js').fsPath);
  }

  private prepareSpare(): void {
    if (this.spare || !this.panel) return;
    this.spare = this.newClient();
    this.spare.prepare();
  }

  async stop(): Promise<RunInfo | undefined> {
    this.experiment?.cancel();
    return this.live?.stop();
  }

  private async startDemoRun(patch: Partial<StudioForm>): Promise<string> {
    this.show();
    return this.start({ ...DEFAULT_FORM, epochs: 40, ...patch });
  }

  private async runExperiment(id: ExperimentId, base: StudioForm): Promise<string[]> {
    if (this.live) throw new FormError(`a run is training (${this.live.name}): stop it before starting an experiment`);
    const queue = new ExperimentQueue(id, base, new Date());
    this.experiment = queue;
    this.post({ type: 'experiment', experiment: queue.progress });
    await this.startExperimentRun(queue);
    return queue.names();
  }

  private async startExperimentRun(queue: ExperimentQueue): Promise<void> {
    const next = queue.next();
    if (!next) return;
    try {
      // The run names were planned before; the one started is the truth.
      queue.started(await this.start(next.form, next.experiment));
      this.post({ type: 'experiment', experiment: queue.progress });
    } catch (error) {
      queue.cancel();
      this.post({ type: 'experiment', experiment: queue.progress });
      this.experiment = undefined;
      throw error;
    }
  }

  private async nextExperimentRun(finished: RunInfo): Promise<void> {
    const queue = this.experiment;
    if (!queue?.finished(finished.name)) return;
    this.post({ type: 'experiment', experiment: queue.progress });
    if (queue.over) {
      this.experiment = undefined;
      return;
    }
    await this.startExperimentRun(queue).catch((error) => this.problem(error));
  }

  private async pickExperiment(id?: string): Promise<string[] | undefined> {
    let chosen = EXPERIMENTS.find((e) => e.id === id);
    if (!chosen) {
      const pick = await vscode.window.showQuickPick(EXPERIMENTS.map((e) => ({ label: e.title, detail: e.claim, id: e.id })), { title: 'BN Lens: run an experiment (each has its own design, three seeds)' });
      chosen = EXPERIMENTS.find((e) => e.id === pick?.id);
    }
    if (!chosen) return undefined;
    this.show();
    return this.runExperiment(chosen.id, DEFAULT_FORM).catch((e) => {
      this.problem(e);
      return undefined;
    });
  }

  private async pickRun(name?: string): Promise<RunData | undefined> {
    let target = name;
    if (!target) {
      const runs = (await this.runs()).filter((r) => r.info);
      if (!runs.length) {
        void vscode.window.showInformationMessage(`BN Lens: no saved runs in ${this.place().label} yet. Start one in the Training Studio.`);
        return undefined;
      }
      const pick = await vscode.window.showQuickPick(runs.map((r) => ({ label: r.name, description: r.info?.status, detail: r.info?.label })), { title: 'BN Lens: open a saved run' });
      target = pick?.label;
    }
    if (!target) return undefined;
    let run: RunData;
    try {
      run = await this.load(target);
    } catch (e) {
      this.problem(e);
      return undefined;
    }
    this.show();
    if (this.page?.isReady) this.post({ type: 'runData', runs: [toWire(run)], purpose: 'open' });
    else this.pendingShow = { runs: [toWire(run)], view: 'run' };
    return run;
  }

  private async pickExport(name?: string, format?: 'csv' | 'tensorboard'): Promise<vscode.Uri | undefined> {
    const target = name ?? (await vscode.window.showQuickPick((await this.runs()).filter((r) => r.info).map((r) => r.name), { title: 'BN Lens: export which run?' }));
    if (!target) return undefined;
    const how = format ?? (await vscode.window.showQuickPick([{ label: 'TensorBoard event file', format: 'tensorboard' as const }, { label: 'CSV files', format: 'csv' as const }], { title: `BN Lens: export ${target} as` }))?.format;
    return how ? this.exportRun(target, how) : undefined;
  }

  /** Writes the run's TensorBoard event file or CSV files into its folder; returns where. */
  private async exportRun(name: string, format: 'tensorboard' | 'csv'): Promise<vscode.Uri> {
    if (!(await trustedToWrite('export runs'))) throw new FormError('this workspace is not trusted: BN Lens exports runs only in trusted workspaces');
    const run = await this.load(name);
    const { fs, dir, root } = this.place();
    const runDir = `${dir}/${name}`;
    const target = vscode.Uri.joinPath(root, ...(await exportRunFiles(fs, runDir, run, format)).split('/'));
    if (format === 'tensorboard') {
      void vscode.window.showInformationMessage(`BN Lens exported ${name} for TensorBoard: tensorboard --logdir "${target.fsPath}"`, 'Open in BN Lens').then((a) => {
        if (a) void this.openLog(target);
      });
    } else {
      void vscode.window.showInformationMessage(`BN Lens exported ${name} as CSV (steps, epochs, layers, gradients) to ${vscode.workspace.asRelativePath(target, false)}.`, 'Open layers.csv').then((a) => {
        if (a) void vscode.window.showTextDocument(vscode.Uri.joinPath(target, 'layers.csv'));
      });
    }
    this.log.info(`Training Studio: exported ${name} (${format}) to ${target.fsPath}`);
    return target;
  }

  private async deleteRun(name: string): Promise<void> {
    if (this.live?.name === name) throw new FormError(`${name} is training: stop it before deleting it`);
    if (!(await trustedToWrite('delete runs'))) return;
    const answer = await vscode.window.showWarningMessage(`Delete the run ${name} and its saved statistics?`, { modal: true }, 'Delete');
    if (answer !== 'Delete') return;
    const { fs, dir } = this.place();
    await fs.remove(`${dir}/${name}`);
    await this.sendRuns();
  }

  private openLog(uri?: vscode.Uri): TensorBoardLogPanel | undefined {
    const open = (target: vscode.Uri): TensorBoardLogPanel => TensorBoardLogPanel.show(this.context.extensionUri, target, this.log);
    if (uri) return open(uri);
    void vscode.window.showOpenDialog({
      canSelectFiles: true, canSelectFolders: true, canSelectMany: false, openLabel: 'Open log',
      title: 'BN Lens: a TensorBoard log folder (or one events.out.tfevents.* file)',
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    }).then((picked) => {
      if (picked?.[0]) open(picked[0]);
    });
    return undefined;
  }

  private scheduleSnapshot(): void {
    if (this.snapshotTimer) return;
    this.snapshotTimer = setTimeout(() => {
      this.snapshotTimer = undefined;
      this.lastSnapshot = Date.now();
      const snapshot = this.liveRun();
      if (snapshot) this.liveEmitter.fire(snapshot);
    }, Math.max(0, this.lastSnapshot + SNAPSHOT_MS - Date.now()));
  }
}

function toWire(run: RunData): WireRun {
  return { ...run, frames: encodeFrames(run.frames, run.schema) };
}
