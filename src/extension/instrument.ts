// "BN Lens: Instrument Training Script…": the two lines that make a PyTorch or Keras training script log
// every normalization layer (python/bnlens, shipped inside the extension), shown in an untitled Python
// editor, and on request the bnlens package copied into the workspace so `import bnlens` works there
// without pip. Copying writes files, so it is offered only in a trusted workspace.

import * as vscode from 'vscode';
import type { Log } from './log';

export type Framework = 'torch' | 'keras';

const LOG_DIR = 'runs/bnlens';

/** The lines to add, with comments that say where they go. */
export function instrumentSnippet(framework: Framework): string {
  if (framework === 'torch') {
    return [
      '# BN Lens: log every BatchNorm/SyncBatchNorm/LayerNorm/GroupNorm/InstanceNorm layer every 50 steps.',
      '# Add after the model is built (under DDP: after init_process_group, on every rank), before training:',
      'import bnlens.torch',
      `watcher = bnlens.torch.watch(model, "${LOG_DIR}", every=50)`,
      '',
      `# Then "BN Lens: Open TensorBoard Log…" on ${LOG_DIR} shows the layers while the script trains`,
      '# (watcher.close() at the end flushes the last records).',
      '',
    ].join('\n');
  }
  return [
    '# BN Lens: log every BatchNormalization/LayerNormalization/GroupNormalization layer every 50 batches.',
    '# probe: a batch of inputs the layers are looked at with (a callback never sees the training batches).',
    'import bnlens.keras',
    `model.fit(x_train, y_train, callbacks=[bnlens.keras.Callback("${LOG_DIR}", every=50, probe=x_train[:64])])`,
    '',
    `# Then "BN Lens: Open TensorBoard Log…" on ${LOG_DIR} shows the layers while the script trains.`,
    '',
  ].join('\n');
}

const CHOICES: readonly (vscode.QuickPickItem & { framework: Framework })[] = [
  { label: 'PyTorch', description: 'bnlens.torch.watch(model, log_dir)', detail: 'Forward hooks on every normalization layer; DDP ranks log separately.', framework: 'torch' },
  { label: 'Keras 3', description: 'bnlens.keras.Callback(log_dir)', detail: 'A model.fit callback (any Keras backend).', framework: 'keras' },
];

const COPY = 'Copy bnlens into the Workspace';
const COPY_LINES = 'Copy the Lines';

/** Copies python/bnlens/*.py of the extension into <folder>/bnlens; returns the target folder. */
async function copyModule(extensionUri: vscode.Uri, folder: vscode.Uri): Promise<vscode.Uri> {
  const source = vscode.Uri.joinPath(extensionUri, 'python', 'bnlens');
  const target = vscode.Uri.joinPath(folder, 'bnlens');
  const files = (await vscode.workspace.fs.readDirectory(source)).filter(([name, type]) => type === vscode.FileType.File && name.endsWith('.py')).map(([name]) => name);
  const existing = await vscode.workspace.fs.stat(target).then(() => true, () => false);
  if (existing) {
    const answer = await vscode.window.showWarningMessage(`${vscode.workspace.asRelativePath(target)} exists. Replace its ${files.length} module files with this version of bnlens?`, { modal: true }, 'Replace');
    if (answer !== 'Replace') throw new vscode.CancellationError();
  }
  await vscode.workspace.fs.createDirectory(target);
  for (const name of files) await vscode.workspace.fs.copy(vscode.Uri.joinPath(source, name), vscode.Uri.joinPath(target, name), { overwrite: true });
  return target;
}

async function instrument(extensionUri: vscode.Uri, log: Log, framework?: Framework): Promise<void> {
  const chosen = framework ?? (await vscode.window.showQuickPick(CHOICES, { title: 'BN Lens: instrument a training script written with…' }))?.framework;
  if (!chosen) return;
  const snippet = instrumentSnippet(chosen);
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'python', content: snippet }), { preview: true });
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  // Copying writes into the workspace: only where the user trusts it (VS Code's workspace-trust guide).
  const actions = [COPY_LINES, ...(folder && vscode.workspace.isTrusted ? [COPY] : [])];
  const why = !folder ? ' Open a folder to copy the bnlens package into it.' : vscode.workspace.isTrusted ? '' : ' Trust this workspace to let BN Lens copy the bnlens package into it.';
  const answer = await vscode.window.showInformationMessage(
    `BN Lens: add these lines to your training script. It needs the bnlens package: copy it into the workspace, or pip install the python folder of BN Lens.${why}`, ...actions);
  if (answer === COPY_LINES) {
    await vscode.env.clipboard.writeText(snippet.split('\n').filter((l) => l && !l.startsWith('#')).join('\n') + '\n');
  } else if (answer === COPY && folder) {
    try {
      const target = await copyModule(extensionUri, folder);
      void vscode.window.showInformationMessage(`BN Lens: copied bnlens to ${vscode.workspace.asRelativePath(target)}; a script started from ${vscode.workspace.asRelativePath(folder)} can import it.`);
    } catch (e) {
      if (e instanceof vscode.CancellationError) return;
      log.error('Instrument Training Script: copying bnlens', e);
      void vscode.window.showErrorMessage(`BN Lens: could not copy bnlens into ${vscode.workspace.asRelativePath(folder)}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

export class InstrumentCommand {
  /** bnlens.instrumentTrainingScript, optionally with 'torch' or 'keras' to skip the question. */
  static register(context: vscode.ExtensionContext, log: Log): void {
    context.subscriptions.push(vscode.commands.registerCommand('bnlens.instrumentTrainingScript', (framework?: unknown) =>
      instrument(context.extensionUri, log, framework === 'torch' || framework === 'keras' ? framework : undefined)));
  }
}
