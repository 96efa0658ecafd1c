// npm start: BN Lens in a real VS Code in your browser. Runs code-server with the extension loaded from
// this repo (as an Extension Development Host) and samples/ as the workspace, until Ctrl-C.
//   node scripts/start.mjs        (after npm run build; port: BNLENS_PORT, else 8765, else a free one)
// The URL carries the extension path as a vscode-remote://127.0.0.1:PORT URI, so open it as printed
// (127.0.0.1, not localhost); from another machine, forward the same port (ssh -L PORT:127.0.0.1:PORT).
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWorkDir, freePort, portIsFree, startCodeServer, workbenchUrl } from './codeserver.mjs';
import { CODE_SERVER_VERSION, prepareVscodeEnv } from './vscode-env.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const samples = join(repoRoot, 'samples');
const DEFAULT_PORT = 8765;

if (!existsSync(join(repoRoot, 'dist', 'extension.js'))) {
  console.error('[start] dist/extension.js is missing: run npm run build first (npm start does)');
  process.exit(1);
}

let work;
let server;
let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  console.log('\n[start] stopping code-server…');
  await server?.stop();
  work?.remove();
  process.exit(code);
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

try {
  const env = await prepareVscodeEnv();
  mkdirSync(samples, { recursive: true });
  let port = Number(process.env.BNLENS_PORT) || DEFAULT_PORT;
  if (!(await portIsFree(port))) {
    if (process.env.BNLENS_PORT) throw new Error(`port ${port} (BNLENS_PORT) is in use`);
    const fallback = await freePort();
    console.log(`[start] port ${port} is in use; using ${fallback}`);
    port = fallback;
  }
  // Settings and state live in a temporary folder, so each start is a clean profile and leaves nothing behind.
  work = createWorkDir('bnlens-start-');
  server = await startCodeServer({ entry: env.entry, work, port, echo: process.argv.includes('--verbose') });
  const url = workbenchUrl({ port, folder: samples, payload: { extensionDevelopmentPath: repoRoot } });
  console.log(`\n[start] BN Lens in code-server ${CODE_SERVER_VERSION} (VS Code in the browser), workspace ${samples}:\n\n  ${url}\n`);
  console.log('[start] after npm run build (or with npm run watch), reload the page (Developer: Reload Window) to pick up changes.');
  console.log(`[start] code-server log: ${server.logFile}. Ctrl-C to stop.`);
  server.exited.then(({ code, signal }) => {
    if (stopping) return;
    console.error(`[start] code-server exited (${signal ?? `code ${code}`}); its log was ${server.logFile}`);
    stop(1);
  });
} catch (err) {
  console.error(`[start] ${err.message}`);
  await stop(1);
}
