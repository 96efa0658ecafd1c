// Entry of the tests that run inside VS Code's extension host, bundled by scripts/build.mjs to
// dist/test/extension/index.js (mocha bundled in, `vscode` external). Both runners load it and call run():
// scripts/run-vscode-tests.mjs (code-server in Chromium) and scripts/run-electron-tests.mjs (desktop).
// When BNLENS_RESULTS_FILE is set, run() also writes the per-test results and vscode.version there as JSON.
// scripts/run-vscode-tests.mjs then keeps the host for its UI steps with serveDriver() (./driverChannel).
import { renameSync, writeFileSync } from 'node:fs';
import Mocha from 'mocha';
import * as vscode from 'vscode';

export { serveDriver, type DriverChannel } from './driverChannel';

export interface TestRecord {
  title: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  error?: string;
}

export interface HostResults {
  vscodeVersion: string;
  appName: string;
  uiKind: string;
  tests: TestRecord[];
  passed: number;
  failed: number;
}

export async function run(): Promise<void> {
  console.log(`[bn-lens tests] vscode.version ${vscode.version} (${vscode.env.appName}, ${vscode.UIKind[vscode.env.uiKind]})`);
  // A generous limit per test: each waits for states, so the limit only stops one that is stuck (busy machines are slow).
  const mocha = new Mocha({ ui: 'tdd', timeout: 300_000, color: false, reporter: 'spec' });

  // A bundle has no test files to glob and require: define mocha's globals (suite, test, …) and import
  // each suite by name. The imports must come after this emit, hence dynamic imports, which esbuild inlines.
  mocha.suite.emit(Mocha.Suite.constants.EVENT_FILE_PRE_REQUIRE, globalThis, 'bundled', mocha);
  await import('./activation.test');
  await import('./customEditor.test');
  await import('./diagnostics.test');
  await import('./studio.test');
  await import('./hostile.test');
  await import('./kernels.test');

  const tests: TestRecord[] = [];
  const failures = await new Promise<number>((resolve) => {
    const runner = mocha.run(resolve);
    runner.on('pass', (t) => tests.push({ title: t.fullTitle(), state: 'passed', durationMs: t.duration }));
    runner.on('pending', (t) => tests.push({ title: t.fullTitle(), state: 'pending' }));
    // 'fail' also fires for hooks (e.g. a failing suiteSetup), which then stand for the tests they skipped.
    runner.on('fail', (t, err: Error) => tests.push({ title: t.fullTitle(), state: 'failed', error: errorText(err) }));
  });

  const file = process.env.BNLENS_RESULTS_FILE;
  if (file) {
    const results: HostResults = {
      vscodeVersion: vscode.version,
      appName: vscode.env.appName,
      uiKind: vscode.UIKind[vscode.env.uiKind],
      tests,
      passed: tests.filter((t) => t.state === 'passed').length,
      failed: tests.filter((t) => t.state === 'failed').length,
    };
    // Written whole and renamed, so a reader polling for the file never sees half of it.
    writeFileSync(`${file}.tmp`, JSON.stringify(results, null, 2));
    renameSync(`${file}.tmp`, file);
  }
  if (failures > 0) throw new Error(`${failures} extension host test(s) failed`);
}

function errorText(err: Error): string {
  return err?.message ?? String(err);
}
