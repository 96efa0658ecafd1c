// The Training Studio inside the real VS Code: its commands and contributions, a run started from a
// command that trains to the end and is saved, a run stopped mid-way saved as stopped, the saved run
// exported for TensorBoard and read back by BN Lens' own reader, and the TensorBoard log panel.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { readRun, type RunFs } from '../../src/analysis/runs/store';
import type { RunInfo } from '../../src/shared/runs/types';
import { readTensorBoard } from '../../src/formats/tensorboard/reader';
import { closeAllEditors, EXTENSION_ID, waitFor, workspaceFile } from './util';

const STUDIO_COMMANDS = ['bnlens.openStudio', 'bnlens.openTensorBoardLog', 'bnlens.startDemoRun', 'bnlens.stopTraining', 'bnlens.runExperiment', 'bnlens.openRun', 'bnlens.exportRun', 'bnlens.openSampleModel'];

/** The runs folder through VS Code's file system (what the studio writes to). */
function workspaceFs(): RunFs {
  const root = workspaceFile('.');
  const at = (p: string): vscode.Uri => vscode.Uri.joinPath(root, ...p.split('/'));
  return {
    read: async (p) => vscode.workspace.fs.readFile(at(p)).then((b) => b, () => null),
    write: async (p, d) => vscode.workspace.fs.writeFile(at(p), d),
    rename: async (a, b) => vscode.workspace.fs.rename(at(a), at(b), { overwrite: true }),
    list: async (p) => (await vscode.workspace.fs.readDirectory(at(p)).then((e) => e, () => [] as [string, vscode.FileType][])).map(([name, t]) => ({ name, folder: t === vscode.FileType.Directory })),
    mkdir: async (p) => vscode.workspace.fs.createDirectory(at(p)),
    remove: async (p) => vscode.workspace.fs.delete(at(p), { recursive: true }),
  };
}

async function runInfo(name: string): Promise<RunInfo | undefined> {
  const bytes = await vscode.workspace.fs.readFile(workspaceFile(`.bnlens/runs/${name}/run.json`)).then((b) => b, () => undefined);
  return bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as RunInfo) : undefined;
}

async function until<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

suite('Training Studio', () => {
  suiteSetup(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
  });

  test('registers its commands, the *.bnlens.json schema and the walkthrough', async () => {
    const commands = await vscode.commands.getCommands(true);
    const missing = STUDIO_COMMANDS.filter((c) => !commands.includes(c));
    assert.deepEqual(missing, [], `commands not registered: ${missing.join(', ')}`);
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as { contributes: { commands: { command: string; title: string; category: string }[]; jsonValidation: { fileMatch: string; url: string }[]; walkthroughs: { steps: unknown[] }[] } };
    const studio = pkg.contributes.commands.find((c) => c.command === 'bnlens.openStudio');
    assert.equal(`${studio?.category}: ${studio?.title}`, 'BN Lens: Open Training Studio');
    assert.ok(pkg.contributes.jsonValidation.some((j) => j.fileMatch === '*.bnlens.json'), 'no jsonValidation for *.bnlens.json');
    const schemaUri = vscode.Uri.joinPath(vscode.extensions.getExtension(EXTENSION_ID)?.extensionUri as vscode.Uri, 'schemas', 'bnlens-model.schema.json');
    const schema = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(schemaUri))) as { required: string[] };
    assert.deepEqual(schema.required, ['layers']);
    assert.equal(pkg.contributes.walkthroughs[0]?.steps.length, 4);
  });

  test('a demo run started by command trains to the end and is saved with its statistics', async function () {
    this.timeout(60_000);
    const name = await vscode.commands.executeCommand<string>('bnlens.startDemoRun', { epochs: 3 });
    assert.ok(typeof name === 'string' && name.length > 0, `bnlens.startDemoRun returned ${String(name)}`);
    const info = await until(async () => {
      const i = await runInfo(name);
      return i && i.status !== 'running' && i.status !== 'paused' ? i : undefined;
    }, 45_000, `run ${name} to end`);
    assert.equal(info.status, 'completed', `status ${info.status}: ${info.error ?? ''}`);
    const run = await readRun(workspaceFs(), `.bnlens/runs/${name}`);
    assert.equal(run.steps.step.length, info.totalSteps);
    assert.ok(run.frames.length > 10, `only ${run.frames.length} recorded steps`);
    assert.deepEqual(run.schema.layers.map((l) => l.kind), ['BatchNorm', 'ReLU', 'BatchNorm', 'ReLU']);
    assert.ok(run.info.finalValidation && run.info.finalValidationTrainMode, 'no final validation metrics in both modes');

    // Exported for TensorBoard: BN Lens' own reader takes it, every record's CRC checked.
    await vscode.commands.executeCommand('bnlens.exportRun', name, 'tensorboard');
    const folder = workspaceFile(`.bnlens/runs/${name}/tensorboard`);
    const [file] = (await vscode.workspace.fs.readDirectory(folder)).map(([n]) => n);
    assert.match(file ?? '', /^events\.out\.tfevents\.\d+\.bnlens\./);
    const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, file));
    const model = readTensorBoard({ name: file, bytes, readSibling: async () => null, listSiblings: async () => [] });
    assert.ok(model.histograms?.some((h) => h.tag === 'bn1/pre_norm'), 'no bn1/pre_norm histograms in the export');
    assert.equal(model.scalars?.filter((s) => s.tag === 'train/loss_step').length, info.totalSteps);
  });

  test('Stop saves what was trained as a stopped run', async function () {
    this.timeout(60_000);
    const name = await vscode.commands.executeCommand<string>('bnlens.startDemoRun', { epochs: 2000 });
    await until(async () => ((await runInfo(name))?.steps ?? 0) > 0 ? true : undefined, 20_000, `run ${name} to save its first steps`);
    const stopped = await vscode.commands.executeCommand<RunInfo>('bnlens.stopTraining');
    assert.equal(stopped?.status, 'stopped');
    const run = await readRun(workspaceFs(), `.bnlens/runs/${name}`);
    assert.equal(run.info.status, 'stopped');
    assert.ok(run.info.steps > 0 && run.info.steps < (run.info.totalSteps ?? Infinity), `steps ${run.info.steps} of ${run.info.totalSteps}`);
    assert.equal(run.steps.step.length, run.info.steps, 'every step taken is in metrics.json');
  });

  test('a second Start while a run trains is refused with a message, not a second run', async function () {
    this.timeout(30_000);
    const name = await vscode.commands.executeCommand<string>('bnlens.startDemoRun', { epochs: 2000 });
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('bnlens.startDemoRun')), /a run is training/);
    const stopped = await vscode.commands.executeCommand<RunInfo>('bnlens.stopTraining');
    assert.equal(stopped?.name, name);
  });

  test('"Open TensorBoard Log…" opens the PyTorch fixture with its histograms', async function () {
    this.timeout(20_000);
    await closeAllEditors();
    await vscode.commands.executeCommand('bnlens.openTensorBoardLog', 'tensorboard');
    const tab = await waitFor(() => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label.startsWith('TensorBoard: ')), 5000);
    assert.ok(tab, 'no TensorBoard tab opened');
    assert.ok(tab.input instanceof vscode.TabInputWebview, 'the TensorBoard log is not a webview tab');
    await closeAllEditors();
  });
});
