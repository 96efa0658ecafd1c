// Workspace trust (VS Code's workspace-trust guide): in a workspace the user has not trusted, BN Lens
// reads model files, runs and logs as usual, but writes nothing there (training runs, exports,
// recalibrated copies, deleting runs) until the user trusts it. package.json declares the same with
// "untrustedWorkspaces": "limited" and disables the writing commands by `isWorkspaceTrusted`; this is the
// check in code, for the webviews' buttons and commands run by id.

import * as vscode from 'vscode';

const MANAGE = 'Manage Workspace Trust';

/** True in a trusted workspace; otherwise says why nothing is written (offering to manage trust) and returns false. */
export async function trustedToWrite(action: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const answer = await vscode.window.showWarningMessage(
    `BN Lens does not ${action} in a workspace you have not trusted: its files may come from someone else. Reading models, runs and logs works as usual.`,
    { modal: true }, MANAGE,
  );
  if (answer === MANAGE) void vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}
