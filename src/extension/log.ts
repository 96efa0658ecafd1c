// The "BN Lens" output channel: where failures are written in full, beside the short message a view shows.

import * as vscode from 'vscode';

export class Log {
  private constructor(private readonly channel: vscode.LogOutputChannel) {}

  static register(context: vscode.ExtensionContext): Log {
    const channel = vscode.window.createOutputChannel('BN Lens', { log: true });
    context.subscriptions.push(channel);
    return new Log(channel);
  }

  info(message: string): void {
    this.channel.info(message);
  }

  warn(message: string): void {
    this.channel.warn(message);
  }

  error(message: string, error?: unknown): void {
    this.channel.error(error instanceof Error && error.stack ? `${message}\n${error.stack}` : message);
  }
}
