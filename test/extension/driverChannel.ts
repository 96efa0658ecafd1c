// A small request/response channel through files, so the UI driver (scripts/run-vscode-tests.mjs, which
// only sees the browser) can ask the extension host for what only the API gives: opening a file with a
// given custom editor, running a command, reading diagnostics, switching the colour theme.
// The driver writes `req-N.json` ({ op, ...args }), this answers with `res-N.json` ({ ok, value } or
// { ok: false, error }); both are written whole and renamed, so neither side reads half a file.
// It runs after the mocha suites, in the same module, so its `vscode` is the API bound to BN Lens.
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { waitFor, workspaceFile } from './util';
import { messageOf } from '../../src/shared/errors';

export interface DriverChannel {
  /** Folder the requests and responses go through. */
  readonly dir: string;
  /** The driver creates this file when it is done: serveDriver() then returns. */
  readonly release: string;
  /** Epoch ms: return even if never released. */
  readonly deadline: number;
}

type Request =
  | { op: 'openWith'; file: string; viewType: string }
  | { op: 'command'; command: string; args?: unknown[] }
  | { op: 'diagnostics'; file: string }
  | { op: 'setTheme'; theme: string; kind: keyof typeof vscode.ColorThemeKind }
  | { op: 'setting'; section: string; key: string }
  | { op: 'activeTab' };

function tabInfo(tab: vscode.Tab | undefined): { label: string; uri: string | null; viewType: string | null } | null {
  if (!tab) return null;
  const input = tab.input as { uri?: vscode.Uri; viewType?: string } | undefined;
  return { label: tab.label, uri: input?.uri ? vscode.workspace.asRelativePath(input.uri, false) : null, viewType: input?.viewType ?? null };
}

async function handle(request: Request): Promise<unknown> {
  switch (request.op) {
    case 'openWith': {
      const uri = workspaceFile(request.file);
      await vscode.commands.executeCommand('vscode.openWith', uri, request.viewType);
      const active = () => vscode.window.tabGroups.activeTabGroup.activeTab;
      const shown = await waitFor(() => ((active()?.input as { uri?: vscode.Uri } | undefined)?.uri?.toString() === uri.toString() ? active() : undefined), 5000);
      if (!shown) throw new Error(`after vscode.openWith ${request.file} ${request.viewType} the active tab is ${JSON.stringify(tabInfo(active()))}`);
      return tabInfo(shown);
    }
    case 'command':
      await vscode.commands.executeCommand(request.command, ...(request.args ?? []));
      return null;
    case 'diagnostics':
      return vscode.languages.getDiagnostics(workspaceFile(request.file)).map((d) => ({
        source: d.source ?? null,
        code: typeof d.code === 'object' ? String(d.code.value) : d.code ?? null,
        message: d.message,
        severity: vscode.DiagnosticSeverity[d.severity],
      }));
    case 'setTheme': {
      // The setting is written at once; the workbench applies the theme a moment later.
      await vscode.workspace.getConfiguration('workbench').update('colorTheme', request.theme, vscode.ConfigurationTarget.Global);
      const want = vscode.ColorThemeKind[request.kind];
      const kind = await waitFor(() => (vscode.window.activeColorTheme.kind === want ? want : undefined), 5000);
      if (kind === undefined) throw new Error(`5 s after setting workbench.colorTheme to "${request.theme}" the theme kind is ${vscode.ColorThemeKind[vscode.window.activeColorTheme.kind]}, not ${request.kind}`);
      return request.kind;
    }
    case 'setting':
      return vscode.workspace.getConfiguration(request.section).inspect(request.key) ?? null;
    case 'activeTab':
      return tabInfo(vscode.window.tabGroups.activeTabGroup.activeTab);
    default:
      throw new Error(`unknown request ${JSON.stringify(request)}`);
  }
}

function writeWhole(file: string, value: unknown): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(value));
  renameSync(`${file}.tmp`, file);
}

/** Answers the driver's requests, one at a time in the order they came, until it releases the host. */
export async function serveDriver({ dir, release, deadline }: DriverChannel): Promise<void> {
  while (!existsSync(release) && Date.now() < deadline) {
    const requests = existsSync(dir) ? readdirSync(dir).filter((n) => /^req-\d+\.json$/.test(n)) : [];
    requests.sort((a, b) => Number(a.slice(4, -5)) - Number(b.slice(4, -5)));
    for (const name of requests) {
      const path = join(dir, name);
      const response = join(dir, name.replace(/^req/, 'res'));
      let answer: { ok: true; value: unknown } | { ok: false; error: string };
      try {
        const request = JSON.parse(readFileSync(path, 'utf8')) as Request;
        rmSync(path, { force: true });
        answer = { ok: true, value: (await handle(request)) ?? null };
      } catch (error) {
        rmSync(path, { force: true });
        answer = { ok: false, error: messageOf(error) };
      }
      writeWhole(response, answer);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
