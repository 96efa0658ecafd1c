// Issue 12, findings 1 and 2 in the real VS Code: a hostile run folder in the workspace (built by
// test/fuzz/hostileRuns.mjs next to a folder outside the workspace) cannot make "Export run" write
// outside it, nor "Open run" read outside it.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
// @ts-expect-error -- a plain ES module shared with the unit tests.
import { buildHostileRuns, RUN_SECRET } from '../fuzz/hostileRuns.mjs';
import { workspaceFile } from './util';

suite('Hostile run folders', () => {
  const outside = mkdtempSync(join(tmpdir(), 'bnlens-outside-'));
  const workspace = workspaceFile('.').fsPath;
  let runs: Record<'exportEscape' | 'indexEscape' | 'chunkLink' | 'infoLink' | 'exportLink', string>;

  suiteSetup(() => {
    runs = buildHostileRuns(workspace, outside);
  });
  suiteTeardown(() => {
    for (const name of Object.values(runs ?? {})) rmSync(join(workspace, '.bnlens', 'runs', name), { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  const outsideUntouched = (): void => {
    assert.deepEqual(readdirSync(outside), ['secret.txt']);
    assert.equal(readFileSync(join(outside, 'secret.txt'), 'utf8'), RUN_SECRET);
  };

  test('Export run writes the event file into the run folder whatever run.json names it', async () => {
    const target = await vscode.commands.executeCommand<vscode.Uri>('bnlens.exportRun', runs.exportEscape, 'tensorboard');
    assert.equal(target.fsPath, join(workspace, '.bnlens', 'runs', runs.exportEscape, 'tensorboard'));
    const written = readdirSync(target.fsPath);
    assert.equal(written.length, 1);
    assert.match(written[0], /^events\.out\.tfevents\.\d+\.bnlens\.[A-Za-z0-9._-]+$/);
    outsideUntouched();
  });

  test('Export run refuses an export folder that is a symbolic link out of the workspace', async () => {
    const outcome = await vscode.commands.executeCommand('bnlens.exportRun', runs.exportLink, 'tensorboard').then(() => 'written', (e: unknown) => (e instanceof Error ? e.message : String(e)));
    assert.match(outcome, /resolves \(through a symbolic link\) outside/);
    assert.ok(!outcome.includes(RUN_SECRET.slice(0, 12)));
    outsideUntouched();
  });

  test('Open run refuses run files listed outside the folder or linked out of it', async () => {
    for (const name of [runs.indexEscape, runs.chunkLink, runs.infoLink]) {
      const run = await vscode.commands.executeCommand('bnlens.openRun', name);
      assert.equal(run, undefined, `${name} was opened`);
    }
    outsideUntouched();
  });
});
