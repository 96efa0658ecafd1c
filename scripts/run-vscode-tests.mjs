// npm run test:vscode: runs BN Lens in a real VS Code (code-server 4.100.3 = VS Code 1.100.3, driven by
// Chromium through playwright-core) and checks it twice over:
//   - in the extension host: dist/test/extension/index.js (mocha; built from test/extension/*.ts);
//   - from outside, as a person would: the inspector webview's DOM for a model and for broken files, the
//     command palette; screenshots go to test-results/.
// The workbench stops the extension host as soon as the test module's run() settles, so run() is wrapped:
// the wrapper waits for a release file that this driver writes after its UI steps.
//   node scripts/run-vscode-tests.mjs               (after npm run build)
//   node scripts/run-vscode-tests.mjs --vsix FILE   (installs FILE into a fresh extensions folder instead
//                                                    of loading the repo, then checks the inspector renders)
// Prints one line per test and a last line `N passed, N failed`. Exit: 0 all passed, 1 a test failed,
// 2 the run could not be set up, 3 it ran out of time (BNLENS_TEST_TIMEOUT seconds, default 300, counted
// from when the workbench is installed).
import { spawnSync } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWorkDir, launchChromium, sleep, startCodeServer, workbenchUrl } from './codeserver.mjs';
import { WORKSPACE_FILES, prepareTestWorkspace } from './test-workspace.mjs';
import { prepareVscodeEnv } from './vscode-env.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(repoRoot, 'test-results');
const hostTestsModule = join(repoRoot, 'dist', 'test', 'extension', 'index.js');
const OVERALL_TIMEOUT_MS = Number(process.env.BNLENS_TEST_TIMEOUT || 300) * 1000;
const STEP_TIMEOUT_MS = 30_000;
const HOST_TESTS_TIMEOUT_MS = 120_000; // workbench start + extension activation + the in-host suites
const PALETTE_TITLE = 'BN Lens: Inspect with BN Lens';

const vsixArg = process.argv.indexOf('--vsix');
const vsix = vsixArg > 0 ? resolve(process.argv[vsixArg + 1] ?? '') : null;

// What a run writes to test-results/ (and removes first, so nothing stale passes for this run's output).
const OUTPUTS = vsix
  ? ['vsix-inspector-onnx.png']
  : ['inspector-onnx.png', 'inspector-error.png', 'inspector-error-truncated.png', 'host-results.json'];
const LOGS = ['vscode-logs', 'code-server.log', 'browser-console.log', 'remoteexthost.log'];

const started = Date.now();
const say = (msg) => console.log(`[test:vscode +${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);

/** Every check, in-host or UI: { title, state: 'passed' | 'failed', error? }. */
const outcomes = [];
// Browser console errors and uncaught exceptions that are about BN Lens (its contributions, its webview).
const OURS = /bnlens|bn-lens|BN Lens|\/dist\/webview\.js/i;
const ourErrors = [];
const cleanups = []; // run in reverse order, always
let work; // the temporary work folder (createWorkDir)
let server; // code-server
let page;

async function main() {
  if (vsix && !(existsSync(vsix) && statSync(vsix).isFile())) throw new SetupError(`--vsix: no such file: ${vsix}`);
  if (!vsix && !existsSync(hostTestsModule)) throw new SetupError(`${relative(repoRoot, hostTestsModule)} is missing: run npm run build first`);
  mkdirSync(resultsDir, { recursive: true });
  for (const f of readdirSync(resultsDir)) {
    if ([...OUTPUTS, ...LOGS].includes(f) || /^failed-\d+\.png$/.test(f)) rmSync(join(resultsDir, f), { recursive: true, force: true });
  }

  const env = await prepareVscodeEnv({ log: (m) => console.log(m) });
  // The clock starts once the workbench is installed: a first install's apt-get and npm time is not the tests'.
  armOverallTimeout();
  work = createWorkDir();
  cleanups.push(() => work.remove());
  const workspace = prepareTestWorkspace(join(work.dir, 'workspace'));

  const hostFiles = { results: join(work.dir, 'host-results.json'), done: join(work.dir, 'host-done.json'), release: join(work.dir, 'release') };
  let payload = {};
  let extensionsDir;
  if (vsix) {
    extensionsDir = installVsix(env.entry, vsix);
  } else {
    payload = { extensionDevelopmentPath: repoRoot, extensionTestsPath: writeWrapper(hostFiles) };
  }

  server = await startCodeServer({ entry: env.entry, work, extensionsDir, env: { BNLENS_RESULTS_FILE: hostFiles.results } });
  cleanups.push(() => server.stop());
  say(`code-server listening on ${server.origin}`);

  const chromium = await launchChromium({ work });
  cleanups.push(() => chromium.stop());
  page = await chromium.browser.newPage({ viewport: { width: 1280, height: 800 } });
  const consoleLog = createWriteStream(join(work.dir, 'browser-console.log'));
  cleanups.push(() => new Promise((r) => consoleLog.end(r)));
  page.on('console', (msg) => {
    consoleLog.write(`[${msg.type()}] ${msg.text()}\n`);
    if (msg.type() === 'error' && OURS.test(msg.text())) ourErrors.push(msg.text());
  });
  // Uncaught exceptions, in the workbench and in webview frames (our webview.js among them).
  page.on('pageerror', (err) => {
    consoleLog.write(`[pageerror] ${err.stack ?? err}\n`);
    if (OURS.test(`${err.message}\n${err.stack}`)) ourErrors.push(err.stack ?? err.message);
  });
  // The workbench calls window.codeAutomationExit(code) once the test module's run() has settled.
  let hostExit;
  const hostExited = new Promise((r) => { hostExit = r; });
  await page.exposeFunction('codeAutomationExit', (code) => hostExit(code));

  await page.goto(workbenchUrl({ port: server.port, folder: workspace, payload }));
  await page.locator('.monaco-workbench').waitFor({ timeout: STEP_TIMEOUT_MS });
  say('workbench loaded');

  if (vsix) {
    await runUiSteps(vsixSteps());
    return;
  }

  const done = await Promise.race([waitForFile(hostFiles.done, HOST_TESTS_TIMEOUT_MS), hostExited.then(() => 'exited')]);
  if (done === 'exited' || done === null) {
    outcomes.push({ title: 'host: the in-host tests finish', state: 'failed', error: done === null ? `no result within ${HOST_TESTS_TIMEOUT_MS / 1000} s` : 'the extension host test run ended without the wrapper (see browser-console.log)' });
  } else {
    say('in-host tests finished; UI steps');
    await runUiSteps(devSteps());
  }
  writeFileSync(hostFiles.release, 'done\n');
  const exitCode = await Promise.race([hostExited, sleep(STEP_TIMEOUT_MS).then(() => 'none')]);
  collectHostResults(hostFiles, exitCode);
}

/** The test module the workbench loads: runs the real one, then holds the host until released. */
function writeWrapper({ done, release }) {
  const file = join(work.sub('host'), 'wrapper.js');
  writeFileSync(file, `// Written by scripts/run-vscode-tests.mjs for one run.
const fs = require('fs');
exports.run = async function run() {
  let error = null;
  try {
    await require(${JSON.stringify(hostTestsModule)}).run();
  } catch (err) {
    error = err;
  }
  fs.writeFileSync(${JSON.stringify(done)}, JSON.stringify({ ok: !error, error: error && String(error.stack || error) }));
  const deadline = Date.now() + ${OVERALL_TIMEOUT_MS};
  while (!fs.existsSync(${JSON.stringify(release)}) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  if (error) throw error;
};
`);
  return file;
}

function collectHostResults({ results, done }, exitCode) {
  const host = readJson(results);
  const status = readJson(done);
  if (host) {
    console.log(`vscode.version ${host.vscodeVersion} (${host.appName}, ${host.uiKind})`);
    cpSync(results, join(resultsDir, 'host-results.json'));
    for (const t of host.tests) outcomes.push({ ...t, title: `host: ${t.title}` });
  } else {
    console.log('vscode.version unknown: the in-host tests wrote no results');
  }
  if (status && !status.ok && !host?.failed) {
    outcomes.push({ title: 'host: run() of dist/test/extension/index.js', state: 'failed', error: status.error });
  }
  if (status && exitCode !== (status.ok ? 0 : 1)) {
    outcomes.push({ title: 'host: the workbench reports the test exit code', state: 'failed', error: `expected ${status.ok ? 0 : 1}, got ${exitCode}` });
  }
}

function installVsix(entry, file) {
  const extensionsDir = work.sub('extensions');
  const common = ['--extensions-dir', extensionsDir, '--user-data-dir', work.sub('user-data'), '--config', join(work.dir, 'code-server.yaml')];
  const cli = (...args) => spawnSync(process.execPath, [entry, ...args, ...common], { env: work.env, encoding: 'utf8', timeout: STEP_TIMEOUT_MS });
  const install = cli('--install-extension', file);
  check('vsix: code-server --install-extension succeeds', install.status === 0 && /successfully installed/i.test(install.stdout),
    `exit ${install.status}: ${(install.stdout + install.stderr).trim()}`);
  if (outcomes.at(-1).state === 'failed') throw new SetupError(`could not install ${file}`);
  const list = cli('--list-extensions', '--show-versions');
  check('vsix: --list-extensions shows bnlens.bn-lens', /^bnlens\.bn-lens@/m.test(list.stdout), `listed: ${list.stdout.trim() || '(nothing)'}`);
  return extensionsDir;
}

function check(title, ok, error) {
  outcomes.push(ok ? { title, state: 'passed' } : { title, state: 'failed', error });
}

// ---- UI steps --------------------------------------------------------------------------------------

function devSteps() {
  return [
    [`ui: ${WORKSPACE_FILES.model} shows the BatchNormalization row (3 channels, ε 1e-5)`, () => modelStep('inspector-onnx.png')],
    [`ui: ${WORKSPACE_FILES.notAModel} shows an error naming the file`, () => errorStep(WORKSPACE_FILES.notAModel, 'inspector-error.png')],
    [`ui: ${WORKSPACE_FILES.truncated} shows an error naming the file`, () => errorStep(WORKSPACE_FILES.truncated, 'inspector-error-truncated.png')],
    [`ui: the command palette lists "${PALETTE_TITLE}"`, paletteStep],
    ['ui: the browser console has no BN Lens errors', consoleStep],
  ];
}

function vsixSteps() {
  return [
    [`vsix: ${WORKSPACE_FILES.model} shows the BatchNormalization row (3 channels, ε 1e-5)`, () => modelStep('vsix-inspector-onnx.png')],
    [`vsix: the command palette lists "${PALETTE_TITLE}"`, paletteStep],
    ['vsix: the browser console has no BN Lens errors', consoleStep],
  ];
}

async function runUiSteps(steps) {
  for (const [title, step] of steps) {
    try {
      await withTimeout(step(), STEP_TIMEOUT_MS, title);
      outcomes.push({ title, state: 'passed' });
    } catch (err) {
      outcomes.push({ title, state: 'failed', error: err.message });
      const shot = join(resultsDir, `failed-${outcomes.length}.png`);
      await page.screenshot({ path: shot }).then(() => say(`screenshot of the failure: ${relative(repoRoot, shot)}`), () => {});
      await page.keyboard.press('Escape').catch(() => {}); // close a quick pick a failed step left open
    }
  }
}

/** Opens a workspace file by Ctrl+P, as a person would; *.onnx opens in the BN Lens inspector by default. */
async function quickOpen(name) {
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.fill(name);
  // Click the row whose label is exactly the name: not-a-model.onnx also matches "model.onnx".
  await quickPickRow(name).click();
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  // The pointer, left where the row was, now hovers the tab bar and its tooltip would show in screenshots.
  await page.mouse.move(200, 10);
}

/** A webview screenshot, once the editor's busy bar (a stripe moving along the webview's top) is gone. */
async function screenshot(outer, file) {
  const busy = page.locator('.monaco-progress-container.active').filter({ visible: true }).first();
  await busy.waitFor({ state: 'hidden', timeout: 5000 }).catch(() => {}); // still busy: take it anyway
  await outer.screenshot({ path: join(resultsDir, file) });
}

function quickPickRow(label) {
  const exact = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  return page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exact }) }).first();
}

/** The visible webview: its outer iframe (for screenshots) and the document inside its active frame. */
function webview() {
  const outer = page.locator('iframe.webview').filter({ visible: true }).first();
  return { outer, doc: outer.contentFrame().locator('iframe#active-frame').contentFrame() };
}

async function modelStep(shotFile) {
  await quickOpen(WORKSPACE_FILES.model);
  const { outer, doc } = webview();
  const rows = doc.locator('table#layers tr[data-layer]');
  await rows.first().waitFor({ timeout: STEP_TIMEOUT_MS });
  const found = await poll(async () => {
    const texts = await Promise.all((await rows.all()).map((r) => r.locator('td, th').allInnerTexts()));
    const row = texts.find((cells) => cells.some((c) => /BatchNorm/i.test(c)));
    if (!row) return { error: `no row mentions BatchNorm; rows: ${JSON.stringify(texts)}` };
    const channels = row.some((c) => c.trim() === '3');
    const epsilon = row.some((c) => isAbout(c, 1e-5));
    return channels && epsilon ? { ok: row } : { error: `the BatchNorm row lacks ${channels ? '' : 'the channel count 3 '}${epsilon ? '' : 'epsilon 1e-5'}: ${JSON.stringify(row)}` };
  });
  say(`  row: ${found.join(' | ')}`);
  await screenshot(outer, shotFile);
}

/** "1e-5", "0.00001", "1.000e-5", "1e−5" (Unicode minus) all count as 1e-5. */
function isAbout(text, value) {
  const x = Number(text.trim().replace(/\u2212/g, '-'));
  return Number.isFinite(x) && Math.abs(x - value) <= Math.abs(value) * 1e-3;
}

async function errorStep(name, shotFile) {
  await quickOpen(name);
  const { outer, doc } = webview();
  const alert = doc.locator('[role="alert"]').filter({ hasText: name }).first();
  await alert.waitFor({ timeout: STEP_TIMEOUT_MS });
  const text = (await alert.innerText()).replace(/\s+/g, ' ').trim();
  // "Says what is wrong": beyond the file name there must be an actual explanation, a few words long.
  const explanation = text.split(name).join(' ').match(/[A-Za-z]{2,}/g) ?? [];
  if (explanation.length < 4) throw new Error(`the alert names ${name} but hardly explains the problem: "${text}"`);
  say(`  alert: ${text}`);
  await screenshot(outer, shotFile);
}

async function paletteStep() {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input').fill('>BN Lens');
  await quickPickRow(PALETTE_TITLE).waitFor({ timeout: STEP_TIMEOUT_MS });
  await page.keyboard.press('Escape');
}

/**
 * The workbench reports some extension mistakes only in the console, e.g. a rejected package.json
 * contribution ("Custom editor with id '…' already registered"), and a webview's uncaught exceptions.
 */
async function consoleStep() {
  if (ourErrors.length) throw new Error(`${ourErrors.length} error(s): ${[...new Set(ourErrors)].join('\n')}`);
}

// ---- helpers -------------------------------------------------------------------------------------

/** Retries check() (returning { ok } or { error }) until it passes or the step time is up. */
async function poll(check, timeoutMs = STEP_TIMEOUT_MS - 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await check();
    if (r.ok) return r.ok;
    if (Date.now() > deadline) throw new Error(r.error);
    await sleep(250);
  }
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms / 1000} s`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function waitForFile(file, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(file)) {
    if (Date.now() > deadline) return null;
    await sleep(200);
  }
  return file;
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** Logs worth reading after a failure: code-server's, the browser console, and the workbench's logs. */
function saveLogs() {
  if (!work) return;
  for (const f of ['code-server.log', 'browser-console.log']) {
    if (existsSync(join(work.dir, f))) cpSync(join(work.dir, f), join(resultsDir, f));
  }
  const logs = server ? join(server.userDataDir, 'logs') : null;
  if (logs && existsSync(logs)) {
    cpSync(logs, join(resultsDir, 'vscode-logs'), { recursive: true });
    const exthost = findFile(logs, 'remoteexthost.log');
    if (exthost) cpSync(exthost, join(resultsDir, 'remoteexthost.log'));
  }
  say(`logs saved in ${relative(repoRoot, resultsDir)}/ (remoteexthost.log: the extension host's)`);
}

function findFile(dir, name) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = findFile(p, name);
      if (found) return found;
    } else if (entry.name === name) {
      return p;
    }
  }
  return null;
}

class SetupError extends Error {}

async function cleanup() {
  while (cleanups.length) {
    try {
      await cleanups.pop()();
    } catch (err) {
      console.error(`[test:vscode] cleanup: ${err.message}`);
    }
  }
}

// ---- run -----------------------------------------------------------------------------------------

let exitCode = 0;
let finishing = false;
async function finish(code, reason) {
  if (finishing) return;
  finishing = true;
  if (reason) outcomes.push({ title: 'run: completes', state: 'failed', error: reason });
  const failed = outcomes.filter((o) => o.state === 'failed').length;
  if (code !== 0 || failed > 0) {
    try {
      saveLogs();
    } catch (err) {
      console.error(`[test:vscode] could not save the logs: ${err.message}`);
    }
  }
  await withTimeout(cleanup(), 20_000, 'cleanup').catch((err) => console.error(`[test:vscode] ${err.message}`));
  const shots = OUTPUTS.filter((f) => f.endsWith('.png') && existsSync(join(resultsDir, f)));
  say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s${shots.length ? `; screenshots: ${shots.map((f) => `test-results/${f}`).join(', ')}` : ''}`);
  // In-host tests first (they ran first), then the UI steps, then any setup failure.
  const rank = (o) => (o.title.startsWith('host:') ? 0 : o.title.startsWith('setup:') ? 2 : 1);
  for (const o of [...outcomes].sort((a, b) => rank(a) - rank(b))) {
    const ms = o.durationMs !== undefined ? ` (${o.durationMs} ms)` : '';
    console.log(`${o.state === 'passed' ? 'PASS' : o.state === 'pending' ? 'SKIP' : 'FAIL'}  ${o.title}${ms}${o.error ? `\n      ${o.error.split('\n').join('\n      ')}` : ''}`);
  }
  const passed = outcomes.filter((o) => o.state === 'passed').length;
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(code !== 0 ? code : failed > 0 || passed === 0 ? 1 : 0);
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  process.on(signal, () => finish(code, `stopped by ${signal}`));
}
let overall;
function armOverallTimeout() {
  overall = setTimeout(() => finish(3, `timed out after ${OVERALL_TIMEOUT_MS / 1000} s (set BNLENS_TEST_TIMEOUT to change)`), OVERALL_TIMEOUT_MS);
}
try {
  await main();
} catch (err) {
  exitCode = 2;
  // Our own setup errors (and vscode-env's StepError) explain themselves; anything else gets its stack.
  const known = err instanceof SetupError || err.step;
  outcomes.push({ title: `setup: ${vsix ? `vsix ${basename(vsix)}` : 'VS Code test run'}`, state: 'failed', error: known ? err.message : err.stack ?? String(err) });
}
clearTimeout(overall);
await finish(exitCode);
