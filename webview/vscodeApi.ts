// Typed access to the VS Code webview API (acquireVsCodeApi may be called only once per page).

export interface VsCodeApi<Message, State> {
  postMessage(message: Message): void;
  getState(): State | undefined;
  setState(state: State): void;
}

declare function acquireVsCodeApi<Message, State>(): VsCodeApi<Message, State>;

/** The page's API, typed by what the page sends and what it keeps. */
export function vscodeApi<Message, State>(): VsCodeApi<Message, State> {
  return acquireVsCodeApi<Message, State>();
}
