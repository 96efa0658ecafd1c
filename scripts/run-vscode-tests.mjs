// npm run test:vscode: runs BN Lens in a real VS Code (code-server 4.100.3 = VS Code 1.100.3, driven by
// Chromium through playwright-core) and checks it twice over:
//   - in the extension host: dist/test/extension/index.js (mocha; built from test/extension/*.ts);
//   - from outside, as a person would: the inspector webview's DOM for a model file of every format and for
//     broken files, selecting layers by mouse and keyboard, the UI state surviving a hidden tab, the
//     Problems panel, the BN Lens side panel, axe-core accessibility checks, the dark/light/high-contrast
//     themes, the command palette; screenshots go to test-results/.
// The workbench stops the extension host as soon as the test module's run() settles, so run() is wrapped:
// after it, the wrapper serves this driver's requests (open a file with a custom editor, run a command,
// read diagnostics, set the theme: test/extension/driverChannel.ts) until the driver writes a release file.
//   node scripts/run-vscode-tests.mjs               (after npm run build; then also packages the extension
//                                                    with scripts/package.mjs and runs the --vsix checks on it)
//   node scripts/run-vscode-tests.mjs --vsix FILE   (installs FILE into a fresh extensions folder instead
//                                                    of loading the repo, then checks the inspector renders
//                                                    and a probe runs on the WebAssembly kernels)
//   node scripts/run-vscode-tests.mjs --no-vsix     (the development checks only)
//   node scripts/run-vscode-tests.mjs --update-screenshot   (also copies the dark-theme inspector picture
//                                                             to media/screenshot.png, the README's)
// Prints one line per test and a last line `N passed, N failed`. Exit: 0 all passed, 1 a test failed,
// 2 the run could not be set up, 3 it ran out of time (BNLENS_TEST_TIMEOUT seconds, default 1800, counted
// from when the workbench is installed).
// Time limits are generous and per step: every wait is for a state (an element, a message, a status),
// which returns as soon as it holds; the limits only stop a run that is stuck, on however busy a machine.
// The functions handed to evaluate() run in the browser (the workbench page or a webview's document).
/* global document, window, getComputedStyle */
import { spawnSync } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWorkDir, launchChromium, sleep, startCodeServer, workbenchUrl } from './codeserver.mjs';
import { WORKSPACE_FILES, prepareTestWorkspace, workspaceFormats } from './test-workspace.mjs';
import { prepareVscodeEnv } from './vscode-env.mjs';
import { studioSteps } from './studio-ui-steps.mjs';
import { experimentSteps } from './experiment-ui-steps.mjs';
import { watchSteps } from './watch-ui-steps.mjs';
import { notAModelSteps } from './not-a-model-steps.mjs';
import { probeDataSteps } from './probe-data-ui-steps.mjs';
import { uiWaits } from './ui-waits.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(repoRoot, 'test-results');
const hostTestsModule = join(repoRoot, 'dist', 'test', 'extension', 'index.js');
const OVERALL_TIMEOUT_MS = Number(process.env.BNLENS_TEST_TIMEOUT || 1800) * 1000;
const STEP_TIMEOUT_MS = 120_000;
/** A whole UI step: the studio's scenario trains, pauses, stops and reopens a run, which on a loaded 2-core machine took over 40 s. */
const UI_STEP_TIMEOUT_MS = 300_000;
const HOST_TESTS_TIMEOUT_MS = 600_000; // workbench start + extension activation + the in-host suites
/** A click or a wait for an element inside a step: generous, the step's own limit is what stops a stuck run. */
const ACTION_TIMEOUT_MS = 60_000;
const PALETTE_TITLE = 'BN Lens: Inspect with BN Lens';

const updateScreenshot = process.argv.includes('--update-screenshot');
const vsixArg = process.argv.indexOf('--vsix');
const vsix = vsixArg > 0 ? resolve(process.argv[vsixArg + 1] ?? '') : null;
// Where a --vsix run started by a development run writes its outcomes for the parent to report.
const outcomesArg = process.argv.indexOf('--outcomes');
const outcomesFile = outcomesArg > 0 ? resolve(process.argv[outcomesArg + 1] ?? '') : null;

// What a run writes to test-results/ (and removes first, so nothing stale passes for this run's output).
const OUTPUTS = vsix
  ? ['vsix-inspector-onnx.png', 'vsix-probe.png']
  : ['inspector-onnx.png', 'inspector-error.png', 'inspector-error-truncated.png', 'inspector-dark.png', 'inspector-light.png',
    'inspector-hc.png', 'sidepanel.png', 'host-results.json'];
// Also removed first; one per model format (inspector-format-<file>.png).
const FORMAT_SHOT = /^inspector-format-.*\.png$/;
const LOGS = ['vscode-logs', 'code-server.log', 'browser-console.log', 'remoteexthost.log'];

const started = Date.now();
const STARTING_TMPDIR = process.env.TMPDIR ?? '/tmp';
const say = (msg) => console.log(`[test:vscode +${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);

/** Every check, in-host or UI: { title, state: 'passed' | 'failed', error? }. */
const outcomes = [];
// Browser console errors and uncaught exceptions that are about BN Lens (its contributions, its webview).
const OURS = /bnlens|bn-lens|BN Lens|\/dist\/webview\.js/i;
// Refusals the tests provoke on purpose, which VS Code logs as errors when it shows them: the hostile run
// folders of test/extension/hostile.test.ts (test/fuzz/hostileRuns.mjs names them evil-*).
const PROVOKED = /BN Lens: \.bnlens\/runs\/evil-[\w-]+\//;
const ourErrors = [];
const cleanups = []; // run in reverse order, always
let work; // the temporary work folder (createWorkDir)
let server; // code-server
let page;
let channelDir; // requests to the extension host (writeWrapper, hostRequest)

async function main() {
  if (vsix && !(existsSync(vsix) && statSync(vsix).isFile())) throw new SetupError(`--vsix: no such file: ${vsix}`);
  if (!vsix && !existsSync(hostTestsModule)) throw new SetupError(`${relative(repoRoot, hostTestsModule)} is missing: run npm run build first`);
  mkdirSync(resultsDir, { recursive: true });
  for (const f of readdirSync(resultsDir)) {
    if ([...OUTPUTS, ...LOGS].includes(f) || (vsix ? /^failed-vsix-\d+\.png$/ : /^failed-(vsix-)?\d+\.png$/).test(f) || FORMAT_SHOT.test(f)) rmSync(join(resultsDir, f), { recursive: true, force: true });
  }

  const env = await prepareVscodeEnv({ log: (m) => console.log(m) });
  // The clock starts once the workbench is installed: a first install's apt-get and npm time is not the tests'.
  armOverallTimeout();
  work = createWorkDir();
  cleanups.push(() => work.remove());
  const workspace = prepareTestWorkspace(join(work.dir, 'workspace'));

  const hostFiles = { results: join(work.dir, 'host-results.json'), done: join(work.dir, 'host-done.json'), release: join(work.dir, 'release'), channel: work.sub('channel') };
  channelDir = hostFiles.channel;
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
  page.setDefaultTimeout(ACTION_TIMEOUT_MS);
  page.setDefaultNavigationTimeout(STEP_TIMEOUT_MS); // the workbench page's first load, slow on a busy machine
  const consoleLog = createWriteStream(join(work.dir, 'browser-console.log'));
  cleanups.push(() => new Promise((r) => consoleLog.end(r)));
  page.on('console', (msg) => {
    consoleLog.write(`[${msg.type()}] ${msg.text()}\n`);
    if (msg.type() === 'error' && OURS.test(msg.text()) && !PROVOKED.test(msg.text())) ourErrors.push(msg.text());
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

/**
 * The test module the workbench loads: runs the real one, then serves the driver's requests through
 * `channel` (serveDriver, exported by the same bundle) and holds the host until released.
 */
function writeWrapper({ done, release, channel }) {
  const file = join(work.sub('host'), 'wrapper.js');
  writeFileSync(file, `// Written by scripts/run-vscode-tests.mjs for one run.
const fs = require('fs');
exports.run = async function run() {
  let error = null;
  let tests = null;
  try {
    tests = require(${JSON.stringify(hostTestsModule)});
    await tests.run();
  } catch (err) {
    error = err;
  }
  fs.writeFileSync(${JSON.stringify(done)}, JSON.stringify({ ok: !error, error: error && String(error.stack || error) }));
  const deadline = Date.now() + ${OVERALL_TIMEOUT_MS};
  if (tests && typeof tests.serveDriver === 'function') {
    await tests.serveDriver({ dir: ${JSON.stringify(channel)}, release: ${JSON.stringify(release)}, deadline });
  }
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

const SAMPLE = 'cnn-bn.onnx'; // samples/cnn-bn.onnx: block1.bn/block2.bn/block3.bn, block2.bn has near-zero γ
const SAMPLE_LAYERS = ['block1.bn', 'block2.bn', 'block3.bn'];
const OTHER = 'mlp-bn.safetensors';
const THEMES = [
  { id: 'dark', theme: 'Default Dark Modern', kind: 'Dark', bodyClass: 'vscode-dark', file: 'inspector-dark.png' },
  { id: 'light', theme: 'Default Light Modern', kind: 'Light', bodyClass: 'vscode-light', file: 'inspector-light.png' },
  { id: 'hc', theme: 'Default High Contrast', kind: 'HighContrast', bodyClass: 'vscode-high-contrast', file: 'inspector-hc.png' },
];
// The theme pictures are taller than the rest of the run's, so one shows the header, table, findings,
// overview and the selected layer's detail with its first charts (media/screenshot.png is the dark one).
const THEME_VIEWPORT = { width: 1280, height: 1010 };
const AXE_THEME = 'Default Light+'; // the accessibility steps' theme; the theme steps check three more

function devSteps() {
  const formats = workspaceFormats();
  return [
    [`ui: ${WORKSPACE_FILES.model} shows the BatchNormalization row (3 channels, ε 1e-5)`, () => modelStep('inspector-onnx.png')],
    [`ui: ${WORKSPACE_FILES.notAModel} shows an error naming the file`, () => errorStep(WORKSPACE_FILES.notAModel, 'inspector-error.png')],
    [`ui: ${WORKSPACE_FILES.truncated} shows an error naming the file`, () => errorStep(WORKSPACE_FILES.truncated, 'inspector-error-truncated.png')],
    [`ui: the command palette lists "${PALETTE_TITLE}"`, paletteStep],
    ...formats.map((spec) => [`ui: format ${spec.format}: ${spec.file} ${formatPromise(spec)}`, () => formatStep(spec)]),
    ...notAModelSteps({ page, say, quickOpen, findWebview, poll, screenshot }),
    [`ui: ${SAMPLE}: clicking the block2.bn row shows its detail and charts; ArrowDown/ArrowUp move the selection`, selectionStep],
    [`ui: ${SAMPLE}: the selected layer survives hiding the tab (open ${OTHER}, come back)`, stateStep],
    [`ui: ${SAMPLE}: the Problems panel shows the gamma-near-zero finding for block2.bn`, problemsStep],
    [`ui: side panel: lists ${SAMPLE}'s 3 layers; clicking block2.bn selects it in the inspector`, sidePanelStep],
    [`ui: side panel: with no editor open, clicking block3.bn opens ${SAMPLE} at block3.bn`, sidePanelClosedStep],
    [`ui: axe-core (${AXE_THEME}): the inspector has no serious or critical violations, also on the selected row under the pointer`, () => axeStep('editor')],
    [`ui: axe-core (${AXE_THEME}): the side panel has no serious or critical violations`, () => axeStep('panel')],
    ...THEMES.map((t) => [`ui: theme "${t.theme}": both views and the heatmap follow it (${t.file}); axe: no serious/critical issues, also on the selected row under the pointer`, () => themeStep(t)]),
    ...studioSteps({ page, hostRequest, resultsDir, say, sleep }),
    ...probeDataSteps({ page, hostRequest, resultsDir, say, sleep }),
    ...experimentSteps({ page, hostRequest, resultsDir, say, sleep }),
    ...watchSteps({ page, hostRequest, resultsDir, say, sleep, workspace: join(work.dir, 'workspace') }),
    ['ui: the browser console has no BN Lens errors', consoleStep],
  ];
}

function vsixSteps() {
  return [
    [`vsix: ${WORKSPACE_FILES.model} shows the BatchNormalization row (3 channels, ε 1e-5)`, () => modelStep('vsix-inspector-onnx.png')],
    [`vsix: a probe of ${SAMPLE} runs on the WebAssembly SIMD kernels (the summary says which; vsix-probe.png)`, () => probeKernelsStep('vsix-probe.png')],
    [`vsix: the command palette lists "${PALETTE_TITLE}"`, paletteStep],
    ['vsix: the browser console has no BN Lens errors', consoleStep],
  ];
}

async function runUiSteps(steps) {
  for (const [title, step] of steps) {
    const t0 = Date.now();
    try {
      await withTimeout(step(), UI_STEP_TIMEOUT_MS, title);
      outcomes.push({ title, state: 'passed', durationMs: Date.now() - t0 });
    } catch (err) {
      outcomes.push({ title, state: 'failed', error: err.message, durationMs: Date.now() - t0 });
      const shot = join(resultsDir, `failed-${vsix ? 'vsix-' : ''}${outcomes.length}.png`);
      await page.screenshot({ path: shot }).then(() => say(`screenshot of the failure: ${relative(repoRoot, shot)}`), () => {});
      await page.keyboard.press('Escape').catch(() => {}); // close a quick pick a failed step left open
    }
  }
}

/** Opens a workspace file by Ctrl+P, as a person would; *.onnx opens in the BN Lens inspector by default. */
async function quickOpen(name) {
  const input = page.locator('.quick-input-widget input');
  // The box sometimes closes again right after it opened (focus moving after the previous step), and
  // now and then the key press right after a closing quick pick is lost: open it again in both cases.
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+P');
    try {
      await input.waitFor({ timeout: 10_000 });
      await input.fill(name, { timeout: 10_000 });
      // Click the row whose label is exactly the name, once the result list has settled (it re-sorts
      // while results arrive, and a click during that can land on a neighbouring row).
      const row = quickPickRow(name);
      await row.waitFor({ timeout: ACTION_TIMEOUT_MS });
      await page.waitForTimeout(150);
      await row.click({ timeout: 10_000 });
      break;
    } catch (error) {
      if (attempt === 3) throw new Error(`Ctrl+P could not open ${name} (3 tries): ${error instanceof Error ? error.message.split('\n')[0] : error}`);
    }
  }
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  // The pointer, left where the row was, now hovers the tab bar and its tooltip would show in screenshots.
  await restPointer();
}

/** Moves the pointer onto the title bar: no hover effect or tooltip in the views. */
async function restPointer() {
  await page.mouse.move(200, 10);
}

/** A webview screenshot, once the editor's busy bar (a stripe moving along the webview's top) is gone. */
async function screenshot(outer, file) {
  const busy = page.locator('.monaco-progress-container.active').filter({ visible: true }).first();
  await busy.waitFor({ state: 'hidden', timeout: 5000 }).catch(() => {}); // still busy: take it anyway
  await outer.screenshot({ path: join(resultsDir, file) });
}

function quickPickRow(label) {
  return page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exactly(label) }) }).first();
}

function exactly(text) {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

/**
 * BN Lens's visible webview in the editor area ('editor': the inspector) or in the side bar ('panel'):
 * its outer iframe (for screenshots), that iframe's inner `iframe#active-frame`, and the document inside.
 * Found by where it sits: the iframe's URL does not tell them apart for sure (a custom editor's has no
 * `purpose`, and a side panel's webview recreated after the side bar was closed has none either). The
 * iframe found gets a data-bnlens-test attribute, so the locators keep pointing at that element.
 * Returns null while there is none.
 */
async function findWebview(view = 'editor') {
  const found = await page.evaluate(({ part, mark }) => {
    const area = document.querySelector(part)?.getBoundingClientRect();
    let hit = false;
    for (const f of document.querySelectorAll('iframe.webview[src*="extensionId=bnlens.bn-lens"]')) {
      const r = f.getBoundingClientRect();
      const [x, y] = [r.x + r.width / 2, r.y + r.height / 2];
      const inside = !!area && !hit && r.width > 0 && r.height > 0 && getComputedStyle(f).visibility !== 'hidden' &&
        x >= area.left && x <= area.right && y >= area.top && y <= area.bottom;
      if (inside) f.setAttribute('data-bnlens-test', mark);
      else if (f.getAttribute('data-bnlens-test') === mark) f.removeAttribute('data-bnlens-test');
      hit ||= inside;
    }
    return hit;
  }, { part: view === 'panel' ? '.part.sidebar' : '.part.editor', mark: view });
  if (!found) return null;
  const outer = page.locator(`iframe.webview[data-bnlens-test="${view}"]`);
  const inner = outer.contentFrame().locator('iframe#active-frame');
  return { outer, inner, doc: inner.contentFrame() };
}

/** findWebview, waiting for it. */
async function webview(view = 'editor', timeoutMs = ACTION_TIMEOUT_MS) {
  const where = view === 'panel' ? 'the side bar' : 'the editor area';
  return poll(async () => ({ ok: await findWebview(view), error: `no BN Lens webview is visible in ${where}` }), timeoutMs);
}

/** What the inspector shows, read in one go inside the webview (null if its document is not there yet). */
async function inspectorState() {
  const view = await findWebview('editor');
  if (!view) return null;
  return view.doc.locator('body').evaluate(() => {
    const text = (el) => (el ? el.textContent.replace(/\s+/g, ' ').trim() : null);
    const q = (s) => document.querySelector(s);
    return {
      bodyClass: document.body.className,
      file: text(q('header h1')),
      facts: text(q('.facts-line')),
      alert: text(q('[role="alert"]')),
      status: text(q('#app > .status, .table-holder > .empty')),
      rows: [...document.querySelectorAll('table#layers tr[data-layer]')].map((tr) => ({
        name: tr.dataset.layer,
        channels: text(tr.querySelector('td.channels')),
        selected: tr.getAttribute('aria-selected') === 'true',
        flags: text(tr.querySelector('td.flags')),
      })),
      findings: [...document.querySelectorAll('li.finding[data-code]')].map((li) => ({ code: li.dataset.code, text: text(li) })),
      detail: text(q('section.detail h2')),
      charts: [...document.querySelectorAll('section.detail figure.chart')].map((f) => ({ caption: text(f.querySelector('figcaption')), bars: f.querySelectorAll('svg rect.bar').length })),
      overview: !!q('section.overview canvas'),
      tags: [...document.querySelectorAll('section.logs figure[data-tag]')].map((f) => ({ tag: f.dataset.tag, ridges: f.querySelectorAll('polygon.ridge').length })),
      focused: document.activeElement?.closest?.('tr[data-layer]')?.dataset.layer ?? null,
      marker: window.__bnlensTestMarker ?? null,
    };
  }, undefined, { timeout: 10_000 }).catch(() => null);
}

/**
 * Polls the inspector until it shows `file` and want(state) returns true (else a string saying what is
 * wrong). An alert about the file fails at once; so does want() still failing `settleMs` after the file
 * first showed (what a rendered model shows does not change by itself).
 */
async function untilInspector(file, want, { settleMs = 30_000, timeoutMs = STEP_TIMEOUT_MS } = {}) {
  let last = null;
  let shownSince = null;
  try {
    return await poll(async () => {
      const s = await inspectorState();
      last = s;
      if (s?.alert?.includes(basename(file))) return { fatal: `the inspector shows an error: "${s.alert}"` };
      if (!s || s.file !== file) return { error: `the inspector does not show ${file} (it shows ${s ? s.file ?? s.status ?? s.alert ?? 'nothing yet' : 'no webview'})` };
      shownSince ??= Date.now();
      const r = want(s);
      if (r === true) return { ok: s };
      const error = typeof r === 'string' ? r : JSON.stringify(s);
      return Date.now() - shownSince > settleMs ? { fatal: error } : { error };
    }, timeoutMs);
  } catch (err) {
    if (last && last.file === file) throw new Error(`${err.message}\n(header: ${last.facts}; rows: ${JSON.stringify(last.rows.map((r) => [r.name, r.channels]))})`);
    throw err;
  }
}

async function modelStep(shotFile) {
  await quickOpen(WORKSPACE_FILES.model);
  const found = await poll(async () => {
    const view = await findWebview('editor');
    const texts = view ? await view.doc.locator('table#layers tr[data-layer]').evaluateAll((rows) => rows.map((r) => [...r.cells].map((c) => c.innerText))).catch(() => []) : [];
    const row = texts.find((cells) => cells.some((c) => /BatchNorm/i.test(c)));
    if (!row) return { error: `no row mentions BatchNorm; rows: ${JSON.stringify(texts)}` };
    const channels = row.some((c) => c.trim() === '3');
    const epsilon = row.some((c) => isAbout(c, 1e-5));
    return channels && epsilon ? { ok: row } : { error: `the BatchNorm row lacks ${channels ? '' : 'the channel count 3 '}${epsilon ? '' : 'epsilon 1e-5'}: ${JSON.stringify(row)}` };
  });
  say(`  row: ${found.join(' | ')}`);
  await screenshot((await webview()).outer, shotFile);
}

/**
 * The packaged extension's probe computes on the WebAssembly kernels: dist/kernels-*.wasm went into the
 * .vsix and its worker loads them. The sample, not model.onnx, since its Conv and Gemm layers are what the
 * kernels compute (a lone BatchNormalization node passes through none of them).
 */
async function probeKernelsStep(shotFile) {
  const { until, webviewWith } = uiWaits(page, sleep);
  await quickOpen(SAMPLE);
  await untilInspector(SAMPLE, (s) => s.rows.length === 3 || `rows: ${JSON.stringify(s.rows)}`);
  const { outer, doc } = await webviewWith(`table#layers tr[data-layer="${SAMPLE_LAYERS[0]}"]`);
  const probeState = () => doc.locator('body').evaluate(() => {
    const line = document.querySelector('.probe-summary p[data-kernels]');
    const button = [...document.querySelectorAll('.probe-controls button')].find((b) => b.textContent === 'Probe with a random batch');
    return {
      summary: !!document.querySelector('.probe-summary'),
      kernels: line?.getAttribute('data-kernels') ?? null,
      threads: line?.getAttribute('data-threads') ?? null,
      text: line?.textContent ?? null,
      running: !!button?.disabled,
      status: document.querySelector('.probe-controls [role="status"]')?.textContent ?? '',
    };
  }, undefined, { timeout: 10_000 });
  if ((await probeState()).summary) throw new Error(`${SAMPLE}'s inspector shows probe results before the probe was started`);
  await doc.getByRole('button', { name: 'Probe with a random batch' }).click();
  await restPointer();
  // A failed probe leaves the button enabled with its message beside it: that ends the wait too.
  const s = await until(async () => {
    const st = await probeState();
    if (st.summary || (!st.running && st.status)) return st;
    return `no probe results yet (${st.running ? 'running' : 'not running'}; status: ${st.status || 'none'})`;
  });
  if (!s.summary) throw new Error(`the probe of ${SAMPLE} failed: ${s.status}`);
  if (!s.kernels) throw new Error('the probe summary does not say which kernels computed it (no p[data-kernels])');
  if (!/^wasm-(relaxed-)?simd$/.test(s.kernels)) throw new Error(`the probe ran on the ${s.kernels} kernels, not WebAssembly SIMD: "${s.text}"`);
  say(`  probe of ${SAMPLE}: kernels ${s.kernels}, ${s.threads} thread(s): "${s.text}"`);
  await doc.locator('.probe-summary').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await screenshot(outer, shotFile);
}

/** "1e-5", "0.00001", "1.000e-5", "1e−5" (Unicode minus) all count as 1e-5. */
function isAbout(text, value) {
  const x = Number(text.trim().replace(/\u2212/g, '-'));
  return Number.isFinite(x) && Math.abs(x - value) <= Math.abs(value) * 1e-3;
}

async function errorStep(name, shotFile) {
  await quickOpen(name);
  const text = await poll(async () => {
    const view = await findWebview('editor');
    const alerts = view ? await view.doc.locator('[role="alert"]').allInnerTexts().catch(() => []) : [];
    const alert = alerts.find((t) => t.includes(name));
    return alert ? { ok: alert.replace(/\s+/g, ' ').trim() } : { error: `no alert naming ${name} (alerts: ${JSON.stringify(alerts)})` };
  });
  // "Says what is wrong": beyond the file name there must be an actual explanation, a few words long.
  const explanation = text.split(name).join(' ').match(/[A-Za-z]{2,}/g) ?? [];
  if (explanation.length < 4) throw new Error(`the alert names ${name} but hardly explains the problem: "${text}"`);
  say(`  alert: ${text}`);
  await screenshot((await webview()).outer, shotFile);
}

async function paletteStep() {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input').fill('>BN Lens');
  await quickPickRow(PALETTE_TITLE).waitFor({ timeout: STEP_TIMEOUT_MS });
  await page.keyboard.press('Escape');
}

/** Opens a workspace file in the inspector: Ctrl+P where BN Lens is the default editor, else vscode.openWith. */
async function openInInspector(file, viewType = 'bnlens.inspector') {
  if (viewType === 'bnlens.inspector') {
    await quickOpen(basename(file));
  } else {
    await hostRequest({ op: 'openWith', file, viewType });
    await restPointer();
  }
}

/** What a format step checks, for its title. */
function formatPromise(spec) {
  if (spec.histograms) {
    const steps = [...new Set(spec.histograms.map(([, n]) => n))];
    return `shows histograms of ${spec.histograms.length} tags (${spec.histograms.slice(0, 2).map(([t]) => t).join(', ')}, …; ${steps.join('/')} steps)`;
  }
  return `lists ${spec.layers.map(([n, c]) => `${n} (${c})`).join(', ')}${(spec.findings ?? []).map(([code, layer]) => `; ${code} for ${layer}`).join('')}`;
}

/** An event file's summaries: a ridge chart per histogram tag, one ridge per step. */
function histogramsShown(spec) {
  return (st) => {
    const shown = new Map(st.tags.map((t) => [t.tag, t.ridges]));
    if (!shown.size) return `no histogram charts (section.logs figure[data-tag]); header: ${st.facts}; ${st.status ?? ''}`;
    const absent = spec.histograms.filter(([tag]) => !shown.has(tag)).map(([tag]) => tag);
    if (absent.length) return `no chart for ${absent.join(', ')}; charts: ${JSON.stringify([...shown.keys()])}`;
    const wrong = spec.histograms.filter(([tag, n]) => shown.get(tag) !== n);
    if (wrong.length) return `steps drawn: ${wrong.map(([tag, n]) => `${tag} ${shown.get(tag)}, expected ${n}`).join('; ')}`;
    return true;
  };
}

/** One model file per format: the inspector lists the expected layers with their channel counts. */
async function formatStep(spec) {
  const fail = (what) => new Error(`${spec.format} (${spec.file}): ${what}`);
  if (spec.missing) throw fail(spec.missing);
  await openInInspector(spec.file, spec.viewType);
  const names = spec.layers.map(([n]) => n);
  let s;
  try {
    s = await untilInspector(spec.file, spec.histograms ? histogramsShown(spec) : (st) => {
      const shown = st.rows.map((r) => r.name);
      if (!shown.length) return `no layer rows (${st.status ?? 'no message'}; header: ${st.facts})`;
      const absent = names.filter((n) => !shown.includes(n));
      const extra = shown.filter((n) => !names.includes(n));
      if (absent.length || extra.length) return `rows ${JSON.stringify(shown)}; expected ${JSON.stringify(names)}`;
      const wrong = spec.layers.filter(([n, c]) => c !== null && st.rows.find((r) => r.name === n).channels !== String(c));
      if (wrong.length) return `channel counts: ${wrong.map(([n, c]) => `${n} shows ${st.rows.find((r) => r.name === n).channels}, expected ${c}`).join('; ')}`;
      for (const [code, layer] of spec.findings ?? []) {
        if (!st.findings.some((f) => f.code === code && f.text.includes(layer))) return `no finding ${code} naming ${layer}; findings: ${JSON.stringify(st.findings)}`;
        if (!st.rows.find((r) => r.name === layer).flags) return `the ${layer} row has an empty Flags cell although ${code} names it`;
      }
      return true;
    });
  } catch (err) {
    throw fail(err.message);
  } finally {
    const view = await findWebview('editor').catch(() => null);
    if (view) await screenshot(view.outer, `inspector-format-${basename(spec.file).replace(/[^\w.-]+/g, '_')}.png`).catch(() => {});
  }
  const shown = spec.histograms ? `${s.tags.filter((t) => t.ridges > 0).length} histogram charts` : s.rows.map((r) => `${r.name} ${r.channels}`).join(', ');
  say(`  ${spec.format}: ${s.facts}; ${shown}${s.findings.length ? `; findings ${s.findings.map((f) => f.code).join(', ')}` : ''}`);
}

/** A row of the visible inspector's table. */
async function layerRow(name) {
  return (await webview()).doc.locator(`table#layers tr[data-layer="${name}"]`);
}

/** The detail shows `name`, its row is the one selected (and focused), its charts have one bar per channel. */
function showsLayer(name, channels, { focused = false } = {}) {
  return (s) => {
    const selected = s.rows.filter((r) => r.selected).map((r) => r.name);
    if (s.detail !== name || selected.join() !== name) return `detail shows ${s.detail}, selected rows ${JSON.stringify(selected)}; expected ${name}`;
    if (focused && s.focused !== name) return `${name} is selected but the keyboard focus is on ${s.focused ?? 'no row'}`;
    if (channels !== undefined) {
      const drawn = s.charts.filter((c) => c.bars === channels);
      if (drawn.length < 4) return `the ${name} detail has ${drawn.length} chart(s) with ${channels} bars (need γ, β, mean, variance at least): ${JSON.stringify(s.charts)}`;
    }
    return true;
  };
}

/** Opens the sample in the inspector and selects `layer` with a click (the pointer stays on the row). */
async function selectInSample(layer, channels) {
  await quickOpen(SAMPLE);
  await untilInspector(SAMPLE, (s) => s.rows.length === 3 || `rows: ${JSON.stringify(s.rows)}`);
  await (await layerRow(layer)).click();
  return untilInspector(SAMPLE, showsLayer(layer, channels));
}

async function selectionStep() {
  await selectInSample('block1.bn', 16);
  await (await layerRow('block2.bn')).click();
  const s = await untilInspector(SAMPLE, showsLayer('block2.bn', 32));
  if (!s.overview) throw new Error('no overview heatmap (section.overview canvas)');
  say(`  block2.bn detail: ${s.charts.map((c) => `${c.caption} (${c.bars} bars)`).join('; ')}`);
  // Keyboard: the selected row has the focus (roving tabindex); arrows move the selection and the focus.
  await (await layerRow('block2.bn')).focus();
  await page.keyboard.press('ArrowDown');
  await untilInspector(SAMPLE, showsLayer('block3.bn', 64, { focused: true }));
  await page.keyboard.press('ArrowUp');
  await untilInspector(SAMPLE, showsLayer('block2.bn', 32, { focused: true }));
  await restPointer();
}

async function stateStep() {
  await selectInSample('block3.bn');
  // A mark on this document: if it is still there after the round trip, the webview was kept, not restored.
  await (await webview()).doc.locator('body').evaluate(() => { window.__bnlensTestMarker = 'kept'; });
  await quickOpen(OTHER);
  await untilInspector(OTHER, (s) => s.rows.length > 0 || 'no rows');
  // Back by its tab, as a person would.
  await page.locator('.tabs-container .tab').filter({ has: page.locator('.label-name', { hasText: exactly(SAMPLE) }) }).first().click();
  await restPointer();
  const s = await untilInspector(SAMPLE, showsLayer('block3.bn', 64));
  say(`  back on ${SAMPLE}: block3.bn still selected; the webview was ${s.marker ? 'kept alive (retainContextWhenHidden)' : 'recreated and restored its state'}`);
}

async function problemsStep() {
  await quickOpen(SAMPLE);
  await untilInspector(SAMPLE, (s) => s.rows.length === 3 || 'no rows');
  await hostRequest({ op: 'command', command: 'workbench.actions.view.problems' });
  try {
    const rows = page.locator('.markers-panel .monaco-list-row');
    const text = await poll(async () => {
      const all = await rows.allInnerTexts();
      const hit = all.find((t) => t.includes('block2.bn') && t.includes('gamma-near-zero') && /BN Lens/.test(t));
      return hit ? { ok: hit } : { error: `no Problems row names block2.bn with gamma-near-zero and source BN Lens; rows: ${JSON.stringify(all)}` };
    }, ACTION_TIMEOUT_MS);
    say(`  Problems: ${text.replace(/\s+/g, ' ')}`);
  } finally {
    await hostRequest({ op: 'command', command: 'workbench.action.closePanel' }).catch(() => {});
  }
}

/** What the side panel shows (null if its document is not there yet). */
async function panelState() {
  const view = await findWebview('panel');
  if (!view) return null;
  return view.doc.locator('body').evaluate(() => ({
    bodyClass: document.body.className,
    summary: document.querySelector('.summary')?.textContent ?? null,
    status: document.querySelector('.status, [role="alert"]')?.textContent ?? null,
    layers: [...document.querySelectorAll('button.layer[data-layer]')].map((b) => ({ name: b.dataset.layer, sparks: b.querySelectorAll('svg').length })),
  }), undefined, { timeout: 10_000 }).catch(() => null);
}

/** Shows the BN Lens side panel by its activity-bar icon, as a person would. */
async function openSidePanel() {
  if (await findWebview('panel')) return;
  try {
    await page.locator('.activitybar .action-item a.action-label[aria-label="BN Lens"]').click();
  } catch (err) {
    throw new Error(`no BN Lens icon in the activity bar: ${err.message.split('\n')[0]}`);
  }
  await restPointer();
  await webview('panel').catch(() => { throw new Error('the BN Lens side panel shows no webview 10 s after clicking its activity-bar icon'); });
}

async function untilPanelLists(names, want = () => true) {
  return poll(async () => {
    const s = await panelState();
    const shown = s?.layers.map((l) => l.name) ?? [];
    if (shown.join() !== names.join()) return { error: `the side panel lists ${JSON.stringify(shown)} (${s?.summary ?? s?.status ?? 'no webview'}); expected ${JSON.stringify(names)}` };
    const bare = s.layers.filter((l) => l.sparks < 1);
    if (bare.length) return { error: `no sparkline for ${bare.map((l) => l.name).join(', ')}` };
    const r = want(s);
    return r === true ? { ok: s } : { error: r };
  }, 10_000);
}

async function clickPanelLayer(name) {
  await (await webview('panel')).doc.locator(`button.layer[data-layer="${name}"]`).click();
  await restPointer();
}

async function sidePanelStep() {
  await selectInSample('block1.bn');
  await openSidePanel();
  const s = await untilPanelLists(SAMPLE_LAYERS);
  say(`  side panel: ${s.summary}`);
  await (await webview('panel')).outer.screenshot({ path: join(resultsDir, 'sidepanel.png') });
  await clickPanelLayer('block2.bn');
  await untilInspector(SAMPLE, showsLayer('block2.bn', 32));
}

async function sidePanelClosedStep() {
  await quickOpen(SAMPLE);
  await openSidePanel();
  await untilPanelLists(SAMPLE_LAYERS);
  await hostRequest({ op: 'command', command: 'workbench.action.closeAllEditors' });
  await poll(async () => ((await findWebview('editor')) ? { error: 'the inspector is still visible after closing all editors' } : { ok: true }), 5000);
  // The panel keeps the last model file shown while no model file is active.
  await untilPanelLists(SAMPLE_LAYERS);
  await clickPanelLayer('block3.bn');
  await untilInspector(SAMPLE, showsLayer('block3.bn', 64));
  const tab = await hostRequest({ op: 'activeTab' });
  if (tab?.viewType !== 'bnlens.inspector') throw new Error(`the active tab is ${JSON.stringify(tab)}, not the BN Lens inspector`);
}

// axe-core runs inside the webview's document. CDP evaluation is not subject to the page's CSP, which
// forbids eval and foreign scripts, so the library goes in as a script string through the frame.
let axeSource;
const IMPACTS = ['critical', 'serious', 'moderate', 'minor'];

/**
 * Runs axe in a view's document (or only on `include`, with only `rules`). A page without a background of
 * its own (the side panel's) shows what the workbench paints behind the transparent iframe: axe would
 * assume white, so for the run the root gets that colour (--vscode-sideBar-background or
 * --vscode-editor-background), and loses it again after.
 */
async function runAxe(view, { include, rules } = {}) {
  axeSource ??= readFileSync(join(repoRoot, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  const handle = await (await webview(view)).inner.elementHandle();
  const frame = await handle.contentFrame();
  if (!frame) throw new Error(`the ${view}'s webview has no document`);
  if ((await frame.evaluate('typeof window.axe')) !== 'object') await frame.evaluate(axeSource);
  return frame.evaluate(async ({ include, rules, backdrop }) => {
    const root = document.documentElement;
    const clear = (el) => /^(transparent|rgba\(0, 0, 0, 0\))$/.test(getComputedStyle(el).backgroundColor);
    const painted = clear(root) && clear(document.body) ? getComputedStyle(root).getPropertyValue(backdrop).trim() : '';
    if (painted) root.style.backgroundColor = painted;
    try {
      const options = { resultTypes: ['violations'], ...(rules ? { runOnly: { type: 'rule', values: rules } } : {}) };
      const r = await window.axe.run(include ? { include: [[include]] } : document, options);
      const violations = r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })) }));
      return { violations, backdrop: painted ? `${backdrop} ${painted}` : null };
    } finally {
      if (painted) root.style.backgroundColor = '';
    }
  }, { include, rules, backdrop: view === 'panel' ? '--vscode-sideBar-background' : '--vscode-editor-background' });
}

function axeCounts({ violations }) {
  return IMPACTS.map((impact) => {
    const of = violations.filter((v) => v.impact === impact);
    return `${impact} ${of.length}${of.length ? ` (${of.reduce((n, v) => n + v.nodes.length, 0)} nodes: ${of.map((v) => v.id).join(', ')})` : ''}`;
  }).join(', ');
}

/** Serious and critical violations, one line each with up to three of the elements. */
function axeProblems(label, { violations }) {
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) =>
    `${label}: ${v.impact} ${v.id} (${v.help}): ${v.nodes.slice(0, 3).map((n) => `${n.target}: ${(n.summary ?? '').replace(/^Fix any of the following:\s*/, '').replace(/\s+/g, ' ')}`).join(' | ')}${v.nodes.length > 3 ? ` (+${v.nodes.length - 3} more)` : ''}`);
}

async function axeStep(view) {
  const label = view === 'editor' ? 'inspector' : 'side panel';
  const problems = [];
  if (view === 'editor') {
    // A fresh profile's first theme is not well defined here (it looks like Light+ although the setting's
    // default reads Light Modern): set one. The theme steps below cover Dark Modern, Light Modern and HC.
    await hostRequest({ op: 'setTheme', theme: AXE_THEME, kind: 'Light' });
    // Right after a click the pointer still hovers the selected row: its text must stay readable.
    await selectInSample('block2.bn', 32);
    const hovered = await runAxe(view, { include: 'tr.selected', rules: ['color-contrast'] });
    say(`  axe selected row under the pointer: ${axeCounts(hovered)}`);
    problems.push(...axeProblems('inspector, selected row under the pointer', hovered));
    await restPointer();
  } else {
    await quickOpen(SAMPLE);
    await openSidePanel();
    await untilPanelLists(SAMPLE_LAYERS);
  }
  const result = await runAxe(view);
  const theme = (view === 'editor' ? await inspectorState() : await panelState())?.bodyClass;
  say(`  axe ${label} (body: ${theme}${result.backdrop ? `; backdrop ${result.backdrop}` : ''}): ${axeCounts(result)}`);
  problems.push(...axeProblems(label, result));
  if (problems.length) throw new Error(problems.join('\n'));
}

/**
 * The overview heatmap is a canvas painted with theme colours read when it was drawn: after a theme
 * change it must not keep the old theme's. Checks the outline of the selected layer's row (focusBorder).
 */
async function heatmapFollowsTheme() {
  const view = await webview();
  return view.doc.locator('body').evaluate(() => {
    const canvas = document.querySelector('section.overview canvas');
    const labels = [...document.querySelectorAll('.overview-labels > div')];
    const row = labels.findIndex((d) => d.classList.contains('selected'));
    if (!canvas || row < 0) return 'no overview heatmap with a selected row';
    const want = getComputedStyle(document.body).getPropertyValue('--vscode-focusBorder').trim();
    const probe = document.createElement('canvas').getContext('2d');
    probe.fillStyle = want;
    probe.fillRect(0, 0, 1, 1);
    const w = probe.getImageData(0, 0, 1, 1).data;
    const rowHeight = canvas.height / labels.length;
    const got = canvas.getContext('2d').getImageData(0, Math.floor(row * rowHeight + rowHeight / 2), 1, 1).data;
    const close = [0, 1, 2].every((i) => Math.abs(got[i] - w[i]) <= 8);
    return close || `the selected row's outline in the heatmap is rgb(${got[0]}, ${got[1]}, ${got[2]}), the theme's focusBorder is ${want}: the canvas kept the previous theme's colours`;
  });
}

async function themeStep({ theme, kind, bodyClass, file, id }) {
  const problems = [];
  const hasTheme = (cls = '') => cls.split(/\s+/).includes(bodyClass) && (bodyClass !== 'vscode-high-contrast' || !cls.includes('vscode-high-contrast-light'));
  const themed = (want) => (s) => (hasTheme(s.bodyClass) ? want(s) : `the inspector's body class is "${s.bodyClass}", not ${bodyClass}`);
  // The sample's inspector stays on screen while the theme changes (nothing re-renders it).
  await quickOpen(SAMPLE);
  await untilInspector(SAMPLE, (s) => s.rows.length === 3 || 'no rows');
  await hostRequest({ op: 'setTheme', theme, kind });
  await untilInspector(SAMPLE, themed(() => true));
  const heatmap = await heatmapFollowsTheme();
  if (heatmap !== true) problems.push(`inspector: ${heatmap}`);
  await page.setViewportSize(THEME_VIEWPORT);
  // The side panel first; then the inspector alone (side bar closed) and wide for the picture.
  await quickOpen(SAMPLE);
  await openSidePanel();
  await untilPanelLists(SAMPLE_LAYERS, (s) => hasTheme(s.bodyClass) || `the side panel's body class is "${s.bodyClass}", not ${bodyClass}`);
  const panel = await runAxe('panel');
  problems.push(...axeProblems('side panel', panel));
  await hostRequest({ op: 'command', command: 'workbench.action.closeSidebar' });
  await untilInspector(SAMPLE, themed((s) => s.rows.length === 3 || 'no rows'));
  // Right after a click the pointer still hovers the selected row: its text must stay readable.
  await (await layerRow('block2.bn')).click();
  await untilInspector(SAMPLE, themed(showsLayer('block2.bn', 32)));
  // Redrawn for the new selection, the heatmap must have the theme's colours (else the check itself is wrong).
  const redrawn = await heatmapFollowsTheme();
  if (redrawn !== true) problems.push(`inspector, after a redraw: ${redrawn}`);
  const hovered = await runAxe('editor', { include: 'tr.selected', rules: ['color-contrast'] });
  problems.push(...axeProblems('inspector, selected row under the pointer', hovered));
  await restPointer();
  await (await webview()).doc.locator('body').evaluate(() => window.scrollTo(0, 0));
  await screenshot((await webview()).outer, file);
  if (id === 'dark' && updateScreenshot) {
    cpSync(join(resultsDir, file), join(repoRoot, 'media', 'screenshot.png'));
    say(`  copied test-results/${file} to media/screenshot.png (${statSync(join(repoRoot, 'media', 'screenshot.png')).size} bytes)`);
  }
  const inspector = await runAxe('editor');
  problems.push(...axeProblems('inspector', inspector));
  say(`  ${theme}: heatmap ${heatmap === true ? 'repainted in the theme\'s colours' : 'kept the previous theme\'s colours'}${redrawn === true ? '; after a redraw (new selection) it has them' : ''}`);
  say(`  ${theme}: axe inspector: ${axeCounts(inspector)}`);
  say(`  ${theme}: axe side panel${panel.backdrop ? ` (backdrop ${panel.backdrop})` : ''}: ${axeCounts(panel)}`);
  say(`  ${theme}: axe selected row under the pointer: ${axeCounts(hovered)}`);
  if (problems.length) throw new Error(problems.join('\n'));
}

/**
 * The workbench reports some extension mistakes only in the console, e.g. a rejected package.json
 * contribution ("Custom editor with id '…' already registered"), and a webview's uncaught exceptions.
 */
async function consoleStep() {
  if (ourErrors.length) throw new Error(`${ourErrors.length} error(s): ${[...new Set(ourErrors)].join('\n')}`);
}

/** Asks the extension host (test/extension/driverChannel.ts) to do something only the API can. */
let hostSeq = 0;
async function hostRequest(request, timeoutMs = ACTION_TIMEOUT_MS) {
  if (!channelDir) throw new Error('no extension host channel in this run');
  const n = ++hostSeq;
  const req = join(channelDir, `req-${n}.json`);
  const res = join(channelDir, `res-${n}.json`);
  writeFileSync(`${req}.tmp`, JSON.stringify(request));
  renameSync(`${req}.tmp`, req);
  if (!(await waitForFile(res, timeoutMs))) throw new Error(`the extension host did not answer ${JSON.stringify(request)} within ${timeoutMs / 1000} s`);
  const answer = readJson(res);
  rmSync(res, { force: true });
  if (!answer?.ok) throw new Error(`extension host, ${request.op}: ${answer?.error ?? 'unreadable answer'}`);
  return answer.value;
}

// ---- helpers -------------------------------------------------------------------------------------

/** Retries check() (returning { ok }, { error } or { fatal }: no retry) until it passes or the time is up. */
async function poll(check, timeoutMs = STEP_TIMEOUT_MS - 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await check();
    if (r.ok) return r.ok;
    if (r.fatal) throw new Error(r.fatal);
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
  await withTimeout(cleanup(), 60_000, 'cleanup').catch((err) => console.error(`[test:vscode] ${err.message}`));
  if (!vsix && code === 0 && !process.argv.includes('--no-vsix')) checkPackage();
  const shots = existsSync(resultsDir) ? readdirSync(resultsDir).filter((f) => f.endsWith('.png') && (OUTPUTS.includes(f) || FORMAT_SHOT.test(f))).sort() : [];
  say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s${shots.length ? `; screenshots: ${shots.map((f) => `test-results/${f}`).join(', ')}` : ''}`);
  // In-host tests first (they ran first), then the UI steps, then any setup failure.
  const rank = (o) => (o.title.startsWith('host:') ? 0 : o.title.startsWith('setup:') ? 2 : 1);
  for (const o of [...outcomes].sort((a, b) => rank(a) - rank(b))) {
    const ms = o.durationMs !== undefined ? ` (${o.durationMs} ms)` : '';
    console.log(`${o.state === 'passed' ? 'PASS' : o.state === 'pending' ? 'SKIP' : 'FAIL'}  ${o.title}${ms}${o.error ? `\n      ${o.error.split('\n').join('\n      ')}` : ''}`);
  }
  const passed = outcomes.filter((o) => o.state === 'passed').length;
  const failedNow = outcomes.filter((o) => o.state === 'failed').length;
  if (outcomesFile) writeFileSync(outcomesFile, JSON.stringify(outcomes));
  console.log(`${passed} passed, ${failedNow} failed`);
  process.exit(code !== 0 ? code : failedNow > 0 || passed === 0 ? 1 : 0);
}

/**
 * The packaged extension, checked as a user gets it: npm run package's steps (a production build, then
 * scripts/package.mjs: vsce and the check of what went in), then this script with --vsix installs the
 * .vsix into a fresh code-server and looks at it. Its checks join this run's; dist/ is rebuilt for
 * development afterwards.
 */
function checkPackage() {
  say('the .vsix: production build, scripts/package.mjs, then installed into a fresh workbench (--vsix)');
  // The environment this run started with: launchChromium pointed TMPDIR into the work folder, now removed.
  const node = (args, stdio = 'pipe') => spawnSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8', stdio, env: { ...process.env, TMPDIR: STARTING_TMPDIR } });
  const step = (title, result) => {
    check(title, result.status === 0, `exit ${result.status ?? result.signal}: ${`${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n')}`);
    return result.status === 0;
  };
  try {
    if (!step('vsix: node scripts/build.mjs --production', node(['scripts/build.mjs', '--production']))) return;
    const packed = node(['scripts/package.mjs']);
    if (!step('vsix: scripts/package.mjs builds the .vsix and checks its contents', packed)) return;
    const file = /\[package\] (\/\S+\.vsix)\s*$/m.exec(packed.stdout)?.[1];
    if (!file) return check('vsix: scripts/package.mjs names the .vsix it wrote', false, packed.stdout.trim());
    const childOutcomes = join(resultsDir, 'vsix-outcomes.json');
    rmSync(childOutcomes, { force: true });
    node([fileURLToPath(import.meta.url), '--vsix', file, '--outcomes', childOutcomes], 'inherit');
    const reported = readJson(childOutcomes);
    if (!reported) return check('vsix: the --vsix run reports its checks', false, `no ${relative(repoRoot, childOutcomes)}`);
    outcomes.push(...reported.map((o) => (o.title.startsWith('vsix:') ? o : { ...o, title: `vsix: ${o.title}` })));
  } finally {
    step('vsix: dist/ rebuilt for development (node scripts/build.mjs)', node(['scripts/build.mjs']));
  }
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
