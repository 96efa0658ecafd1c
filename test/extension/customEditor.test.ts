// Model files (*.onnx, *.safetensors and the binary .pt/.pth/.keras/.h5) open in the BN Lens custom editor. What its webview shows is checked from outside, by the
// driver in scripts/run-vscode-tests.mjs: the extension host cannot see a webview's DOM.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { INSPECTOR_VIEW_TYPE, OPTIONAL_INSPECTOR_VIEW_TYPE, closeAllEditors, waitFor, workspaceFile } from './util';

/** The active tab once it shows `uri`, or whatever tab is active when the wait runs out. */
async function activeTabFor(uri: vscode.Uri): Promise<vscode.Tab | undefined> {
  const active = () => vscode.window.tabGroups.activeTabGroup.activeTab;
  const showsUri = (tab: vscode.Tab | undefined) => {
    const input = tab?.input as { uri?: vscode.Uri } | undefined;
    return input?.uri?.toString() === uri.toString();
  };
  return (await waitFor(() => (showsUri(active()) ? active() : undefined))) ?? active();
}

function assertInspectorTab(tab: vscode.Tab | undefined, uri: vscode.Uri, viewType = INSPECTOR_VIEW_TYPE): void {
  assert.ok(tab, `no active tab after opening ${uri.path}`);
  const kind = tab.input?.constructor?.name ?? typeof tab.input;
  assert.ok(tab.input instanceof vscode.TabInputCustom, `the active tab "${tab.label}" is a ${kind}, not a custom editor`);
  assert.equal(tab.input.uri.toString(), uri.toString());
  assert.equal(tab.input.viewType, viewType);
}

suite('Custom editor', () => {
  teardown(closeAllEditors);

  test('vscode.openWith model.onnx bnlens.inspector opens a custom editor tab', async () => {
    const uri = workspaceFile('model.onnx');
    await vscode.commands.executeCommand('vscode.openWith', uri, INSPECTOR_VIEW_TYPE);
    assertInspectorTab(await activeTabFor(uri), uri);
  });

  test('a plain vscode.open of an .onnx file uses bnlens.inspector (the default editor)', async () => {
    const uri = workspaceFile('model.onnx');
    await vscode.commands.executeCommand('vscode.open', uri);
    assertInspectorTab(await activeTabFor(uri), uri);
  });

  // vscode.open is what the explorer's double-click and Quick Open do: the default editor for the file.
  for (const file of ['state_dict_zip.pt', 'checkpoint.pth', 'keras_convbn.keras', 'keras_convbn_legacy.h5', 'not_keras.h5', 'no_tensors.pt']) {
    test(`a plain vscode.open of ${file} uses bnlens.inspector (BN Lens is the default for binary model files)`, async () => {
      const uri = workspaceFile(file);
      await vscode.commands.executeCommand('vscode.open', uri);
      assertInspectorTab(await activeTabFor(uri), uri);
    });
  }

  test('vscode.openWith a TF.js model.json (text: BN Lens is only offered) bnlens.inspector.optional opens a custom editor tab', async () => {
    const uri = workspaceFile('tfjs/model.json');
    await vscode.commands.executeCommand('vscode.openWith', uri, OPTIONAL_INSPECTOR_VIEW_TYPE);
    assertInspectorTab(await activeTabFor(uri), uri, OPTIONAL_INSPECTOR_VIEW_TYPE);
  });
});
