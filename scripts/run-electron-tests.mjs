// npm run test:electron: the in-host tests (dist/test/extension/index.js) in desktop VS Code, through
// @vscode/test-electron, which downloads VS Code from Microsoft (so this needs that network: it cannot run
// on the project's offline machines, where npm run test:vscode runs the same tests in code-server).
//   node scripts/run-electron-tests.mjs      (after npm run build; BNLENS_VSCODE_VERSION: e.g. 1.90.0,
//                                              default stable; on Linux without a display: xvfb-run -a npm run test:electron)
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';
import { prepareTestWorkspace } from './test-workspace.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const testsModule = join(repoRoot, 'dist', 'test', 'extension', 'index.js');
if (!existsSync(testsModule)) {
  console.error('[test:electron] dist/test/extension/index.js is missing: run npm run build first');
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'bnlens-electron-'));
const resultsFile = join(work, 'host-results.json');
let code = 1;
try {
  const workspace = prepareTestWorkspace(join(work, 'workspace'));
  await runTests({
    version: process.env.BNLENS_VSCODE_VERSION || 'stable',
    cachePath: join(repoRoot, '.cache', 'vscode-test'), // the downloaded VS Code is kept between runs
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: testsModule,
    extensionTestsEnv: { BNLENS_RESULTS_FILE: resultsFile },
    // A fresh profile with no other extensions, so nothing but BN Lens takes part.
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--user-data-dir', join(work, 'user-data')],
  });
  code = 0;
} catch (err) {
  console.error(`[test:electron] ${err.message}`);
} finally {
  const results = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : null;
  if (results) {
    console.log(`vscode.version ${results.vscodeVersion}`);
    console.log(`${results.passed} passed, ${results.failed} failed`);
  }
  rmSync(work, { recursive: true, force: true });
}
process.exit(code);
