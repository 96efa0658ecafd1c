// The webview's HTML shell: a strict Content-Security-Policy and one nonce'd script.

import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';

/** The folders a webview may load from: the bundle and the stylesheets, nothing of the user's. */
export function webviewRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')];
}

export interface PageOptions {
  readonly title: string;
  /** The bundle in dist/ that renders the page. */
  readonly script: string;
  /** The stylesheet in media/. */
  readonly style: string;
}

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, { title, script: scriptFile, style: styleFile }: PageOptions): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', scriptFile));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', styleFile));
  const csp = [
    // Nothing is allowed unless a rule below says so.
    "default-src 'none'",
    // Our stylesheet only; no inline <style> (element.style set from script is CSSOM, which CSP allows).
    `style-src ${webview.cspSource}`,
    // Only the bundle carrying this page's nonce runs: no inline handlers, no eval.
    `script-src 'nonce-${nonce}'`,
    // Charts exported as PNG are data: URLs; codicons/images come from our own media folder.
    `img-src ${webview.cspSource} data:`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link href="${style.toString()}" rel="stylesheet">
  <title>${escapeHtml(title)}</title>
</head>
<body>
  <main id="app" aria-live="polite"><p class="status">Loading ${escapeHtml(title)}…</p></main>
  <script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
