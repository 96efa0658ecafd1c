// Helpers shared by the in-host test suites.
import * as vscode from 'vscode';

export const EXTENSION_ID = 'bnlens.bn-lens';
export const INSPECTOR_VIEW_TYPE = 'bnlens.inspector';
/** The same inspector, offered (not default) for text model files: TF.js model.json and weights manifests. */
export const OPTIONAL_INSPECTOR_VIEW_TYPE = 'bnlens.inspector.optional';

/** A file in the test workspace the runner opened (see scripts/test-workspace.mjs). */
export function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder is open: run these tests with npm run test:vscode or test:electron, which open the test workspace');
  return vscode.Uri.joinPath(folder.uri, name);
}

/**
 * Polls until check() returns a value (not undefined) or the time is up; returns the last value seen.
 * The limit is generous on purpose: on a busy machine opening an editor can take many seconds, and a
 * passing check returns as soon as the state is there.
 */
export async function waitFor<T>(check: () => T | undefined, timeoutMs = 60_000): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}
