// Entry point: activate only registers; every feature registers itself through a static register().

import * as vscode from 'vscode';
import { InspectorEditorProvider } from './inspectorEditor';
import { InstrumentCommand } from './instrument';
import { registerCommands } from './commands';
import { Log } from './log';
import { ModelDiagnostics } from './diagnostics';
import { ModelAnalyses } from './modelAnalyses';
import { LayersViewProvider } from './layersView';
import { ModelJobs } from './modelJobs';
import { ProbeDataMemory } from './probeData';
import { TrainingStudio } from './studio/studio';

export function activate(context: vscode.ExtensionContext): void {
  const log = Log.register(context);
  const analyses = new ModelAnalyses(log, ModelDiagnostics.register(context));
  const inspector = InspectorEditorProvider.register(context, analyses, new ModelJobs(context.extensionUri, log, new ProbeDataMemory(context.workspaceState)), log);
  const studio = TrainingStudio.register(context, log);
  LayersViewProvider.register(context, analyses, inspector, studio, log);
  registerCommands(context, inspector);
  InstrumentCommand.register(context, log);
}

export function deactivate(): void {
  // Nothing to release: every disposable was handed to context.subscriptions.
}
