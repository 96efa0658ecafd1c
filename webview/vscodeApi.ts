// Typed access to the VS Code webview API (acquireVsCodeApi may be called only once per page).

import type { InspectorViewState, WebviewToHost } from '../src/protocol';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): InspectorViewState | undefined;
  setState(state: InspectorViewState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export const vscode: VsCodeApi = acquireVsCodeApi();
