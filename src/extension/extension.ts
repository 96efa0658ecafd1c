// Entry point: activate only registers; every feature registers itself through a static register().

import * as vscode from 'vscode';
import { InspectorEditorProvider } from './inspectorEditor';
import { registerCommands } from './commands';
import { Log } from './log';
import { ModelDiagnostics } from './diagnostics';

export function activate(context: vscode.ExtensionContext): void {
  const log = Log.register(context);
  InspectorEditorProvider.register(context, log, ModelDiagnostics.register(context));
  registerCommands(context);
}

export function deactivate(): void {
  // Nothing to release: every disposable was handed to context.subscriptions.
}
