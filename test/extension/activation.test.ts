// The extension is found, activates, and registers what package.json promises.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID } from './util';

suite('Activation', () => {
  test(`extension ${EXTENSION_ID} is loaded and activates`, async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    const ours = vscode.extensions.all.filter((e) => !e.id.startsWith('vscode.')).map((e) => e.id);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded (non-builtin extensions: ${ours.join(', ') || 'none'})`);
    await ext.activate();
    assert.equal(ext.isActive, true, `${EXTENSION_ID} is not active after activate()`);
  });

  test('command bnlens.inspectFile is registered', async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
    const commands = await vscode.commands.getCommands(true);
    const ours = commands.filter((c) => c.startsWith('bnlens.'));
    assert.ok(commands.includes('bnlens.inspectFile'), `bnlens.inspectFile is not registered (bnlens.* commands: ${ours.join(', ') || 'none'})`);
  });

  test('package.json contributes "BN Lens: Inspect with BN Lens"', () => {
    const commands: { command: string; title: string; category?: string }[] =
      vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON?.contributes?.commands ?? [];
    const inspect = commands.find((c) => c.command === 'bnlens.inspectFile');
    assert.ok(inspect, 'contributes.commands has no bnlens.inspectFile');
    assert.equal(inspect.title, 'Inspect with BN Lens');
    assert.equal(inspect.category, 'BN Lens');
  });

  test('the running VS Code satisfies engines.vscode', () => {
    const range: string = vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON?.engines?.vscode ?? '';
    assert.ok(satisfiesCaret(vscode.version, range), `vscode.version ${vscode.version} does not satisfy engines.vscode "${range}"`);
  });
});

/** `^1.90.0`: same major, and at least that minor.patch (all engines.vscode in practice uses). */
function satisfiesCaret(version: string, range: string): boolean {
  const want = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(range);
  const have = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!want || !have) return false;
  const [w, h] = [want.slice(1).map(Number), have.slice(1).map(Number)];
  return h[0] === w[0] && (h[1] > w[1] || (h[1] === w[1] && h[2] >= w[2]));
}
