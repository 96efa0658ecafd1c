// The inspector's findings reach the Problems panel: one diagnostic per finding, source "BN Lens", the
// finding's code, the layer named in the message; they go when the file's last editor closes.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { closeAllEditors, waitFor, workspaceFile } from './util';

/**
 * The file's BN Lens diagnostics once there are any. The file is read when the inspector's webview has
 * loaded and says it is ready; the first webview of a session can take many seconds on a busy machine.
 */
async function bnLensDiagnostics(uri: vscode.Uri, timeoutMs = 120_000): Promise<vscode.Diagnostic[]> {
  const ours = () => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'BN Lens');
  return (await waitFor(() => (ours().length ? ours() : undefined), timeoutMs)) ?? [];
}

function describe(diagnostics: readonly vscode.Diagnostic[]): string {
  return JSON.stringify(diagnostics.map((d) => ({ source: d.source, code: d.code, message: d.message })));
}

suite('Diagnostics', function () {
  this.timeout(300_000);
  teardown(closeAllEditors);

  test('opening cnn-bn.onnx puts a gamma-near-zero diagnostic for block2.bn in the Problems panel', async () => {
    const uri = workspaceFile('cnn-bn.onnx');
    await vscode.commands.executeCommand('vscode.open', uri);
    const diagnostics = await bnLensDiagnostics(uri);
    const all = vscode.languages.getDiagnostics(uri);
    assert.ok(diagnostics.length, `no diagnostic with source "BN Lens" for cnn-bn.onnx within 25 s (all diagnostics: ${describe(all)})`);
    const dead = diagnostics.find((d) => d.code === 'gamma-near-zero' && d.message.includes('block2.bn'));
    assert.ok(dead, `no BN Lens diagnostic with code gamma-near-zero mentioning block2.bn: ${describe(diagnostics)}`);
    assert.equal(dead.severity, vscode.DiagnosticSeverity.Warning, `gamma-near-zero is a ${vscode.DiagnosticSeverity[dead.severity]}, not a Warning`);
    const others = diagnostics.filter((d) => /block[13]\.bn/.test(d.message) && d.code === 'gamma-near-zero');
    assert.equal(others.length, 0, `gamma-near-zero also reported for a healthy layer: ${describe(others)}`);
  });

  test('closing the last editor of cnn-bn.onnx removes its diagnostics', async () => {
    const uri = workspaceFile('cnn-bn.onnx');
    await vscode.commands.executeCommand('vscode.open', uri);
    assert.ok((await bnLensDiagnostics(uri)).length, 'no BN Lens diagnostics after opening cnn-bn.onnx');
    await closeAllEditors();
    const left = await waitFor(() => {
      const ours = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'BN Lens');
      return ours.length ? undefined : ours;
    }, 5000);
    assert.ok(left, `BN Lens diagnostics still there 5 s after closing the editor: ${describe(vscode.languages.getDiagnostics(uri))}`);
  });
});
