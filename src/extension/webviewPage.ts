// One webview page as every BN Lens page works (the inspector, the side panel, the Training Studio and
// the TensorBoard log panel): the host sets the page's HTML; the page loads and says 'ready'; the host
// answers with everything the page shows (init) and posts updates after that, never before: a message
// posted to a page that is still loading, or that was discarded while hidden, is lost. Charts the page
// exports come back as 'saveChart' and are saved where the user chooses.

import * as vscode from 'vscode';
import type { SaveChartMessage } from '../protocol';
import { fileSafe, saveAs } from './saveFile';
import { webviewHtml, webviewRoots, type PageOptions } from './webviewHtml';

export interface PageHandlers<FromPage> {
  /** The page (re)loaded and said 'ready': send it everything it shows. */
  readonly init: () => Promise<unknown> | void;
  /** Every other message from the page. */
  readonly receive?: (message: Exclude<FromPage, { readonly type: 'ready' } | SaveChartMessage>) => Promise<unknown> | void;
  /**
   * Where an exported chart is proposed to be saved, given its file name; `protect` is a file never
   * written over (the model the chart is about).
   */
  readonly chartTarget?: (fileName: string) => { readonly proposed: vscode.Uri; readonly protect?: vscode.Uri };
  /** A handler failed. */
  readonly problem: (error: unknown) => void;
}

export class WebviewPage<ToPage, FromPage extends { readonly type: string }> implements vscode.Disposable {
  private ready = false;
  private readonly subscription: vscode.Disposable;

  constructor(readonly webview: vscode.Webview, extensionUri: vscode.Uri, page: PageOptions, private readonly handlers: PageHandlers<FromPage>) {
    webview.options = { enableScripts: true, localResourceRoots: webviewRoots(extensionUri) };
    webview.html = webviewHtml(webview, extensionUri, page);
    this.subscription = webview.onDidReceiveMessage((message: FromPage) => {
      void this.dispatch(message).catch((error: unknown) => handlers.problem(error));
    });
  }

  /** True between the page's 'ready' and its discarding. */
  get isReady(): boolean {
    return this.ready;
  }

  /** The page was discarded (hidden, without retainContextWhenHidden): it says 'ready' again when shown. */
  discarded(): void {
    this.ready = false;
  }

  /** Posts to a ready page; to a page that is not ready, nothing (it asks for everything when it is). */
  post(message: ToPage): Thenable<boolean> {
    return this.ready ? this.webview.postMessage(message) : Promise.resolve(false);
  }

  dispose(): void {
    this.subscription.dispose();
  }

  private async dispatch(message: FromPage): Promise<void> {
    if (message.type === 'ready') {
      this.ready = true;
      await this.handlers.init();
    } else if (isSaveChart(message)) {
      if (!this.handlers.chartTarget) return;
      const { proposed, protect } = this.handlers.chartTarget(`${fileSafe(message.name)}.${message.format}`);
      await saveAs(proposed, message.data, message.format === 'svg' ? { 'SVG image': ['svg'] } : { 'PNG image': ['png'] }, protect);
    } else {
      await this.handlers.receive?.(message as Exclude<FromPage, { readonly type: 'ready' } | SaveChartMessage>);
    }
  }
}

function isSaveChart(message: { readonly type: string }): message is SaveChartMessage {
  return message.type === 'saveChart';
}
