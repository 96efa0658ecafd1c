// Starting and stopping code-server and Chromium for scripts/start.mjs and scripts/run-vscode-tests.mjs.
// Both programs write into HOME, XDG_* and TMPDIR (code-server's config.yaml and logs, the extension
// host's IPC sockets, Chromium's profile), so each run gets a temporary work folder that holds all of it
// and is deleted afterwards.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const CHROMIUM_ARGS = [
  '--no-sandbox', // we run as root
  '--disable-gpu', // no GPU here; canvas still renders in software
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A temporary folder with home/, tmp/ and the XDG folders; `env` is process.env pointed into it. */
export function createWorkDir(prefix = 'bnlens-vscode-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const sub = (name) => {
    const p = join(dir, name);
    mkdirSync(p, { recursive: true, mode: 0o700 });
    return p;
  };
  const env = {
    ...process.env,
    HOME: sub('home'),
    TMPDIR: sub('tmp'),
    XDG_CONFIG_HOME: sub('xdg/config'),
    XDG_DATA_HOME: sub('xdg/data'),
    XDG_CACHE_HOME: sub('xdg/cache'),
    XDG_STATE_HOME: sub('xdg/state'),
    XDG_RUNTIME_DIR: sub('xdg/runtime'),
  };
  return { dir, env, sub, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A port that was free a moment ago (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** True if nothing listens on 127.0.0.1:port. */
export function portIsFree(port) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * Starts code-server on 127.0.0.1 and waits for /healthz. Options: entry (code-server's out/node/entry.js),
 * work (from createWorkDir), port (default: a free one), env (extra variables; they reach the extension host),
 * extensionsDir, userDataDir (default: inside the work folder), echo (also print its output).
 * Returns { port, origin, userDataDir, extensionsDir, logFile, exited (a promise), stop() }.
 */
export async function startCodeServer({ entry, work, port, env = {}, extensionsDir, userDataDir, echo = false, timeoutMs = 30_000 }) {
  port ??= await freePort();
  extensionsDir ??= work.sub('extensions');
  userDataDir ??= work.sub('user-data');
  seedSettings(userDataDir);
  const config = join(work.dir, 'code-server.yaml');
  writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const logFile = join(work.dir, 'code-server.log');
  const log = createWriteStream(logFile);

  const args = [
    entry, '--config', config, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override', '--ignore-last-opened',
    '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir,
  ];
  // detached: its own process group, so stop() can end it together with the extension host it forks.
  const child = spawn(process.execPath, args, { env: { ...work.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk) => {
      log.write(chunk);
      if (echo) process.stderr.write(chunk);
    });
  }
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let stopped = false;

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await killGroup(child.pid, exited);
    await new Promise((resolve) => log.end(resolve));
  };

  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  let early;
  exited.then((e) => { early = e; });
  while (true) {
    if (early) {
      await stop();
      throw new Error(`code-server exited before it was ready (${early.signal ?? `code ${early.code}`}); its log: ${logFile}`);
    }
    try {
      const res = await fetch(`${origin}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer ${origin}/healthz within ${timeoutMs / 1000} s; its log: ${logFile}`);
    }
    await sleep(200);
  }
  return { port, origin, userDataDir, extensionsDir, logFile, exited, stop };
}

/**
 * User settings for a fresh profile: no prompt about the repo's git folder above the workspace, no
 * welcome page, and no extension gallery checks (the gallery is unreachable here; they only add noise).
 */
const SETTINGS = {
  'git.openRepositoryInParentFolders': 'never',
  'workbench.startupEditor': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
};

function seedSettings(userDataDir) {
  const file = join(userDataDir, 'User', 'settings.json');
  if (existsSync(file)) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(SETTINGS, null, 2) + '\n');
}

/** SIGTERM to the process group, SIGKILL after a grace period. */
export async function killGroup(pid, exited, graceMs = 5000) {
  const signalGroup = (sig) => {
    try {
      process.kill(-pid, sig);
    } catch {
      // the group is already gone
    }
  };
  signalGroup('SIGTERM');
  const done = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
  // Children of the leader (the extension host, file watchers) may outlive it: end the rest of the group.
  signalGroup(done ? 'SIGTERM' : 'SIGKILL');
  await sleep(100);
  signalGroup('SIGKILL');
}

/**
 * The workbench URL. `folder` opens as the workspace; `payload` entries (extensionDevelopmentPath,
 * extensionTestsPath) take absolute paths on this machine and become vscode-remote URIs of this server.
 */
export function workbenchUrl({ port, folder, payload = {} }) {
  const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
  const entries = Object.entries(payload).map(([k, v]) => [k, k.endsWith('Path') ? remote(v) : v]);
  entries.push(['skipWelcome', 'true']);
  const query = new URLSearchParams({ folder, payload: JSON.stringify(entries) });
  return `http://127.0.0.1:${port}/?${query}`;
}

/**
 * Launches Debian's Chromium through playwright-core. launchServer (not launch) gives the process, whose
 * group stop() ends even if Playwright's own close hangs. Returns { browser, stop() }.
 */
export async function launchChromium({ work, executablePath = '/usr/bin/chromium', headless = true }) {
  const { chromium } = await import('playwright-core');
  // Playwright makes its temporary profile in the driver's os.tmpdir(): keep that inside the work folder too.
  process.env.TMPDIR = work.env.TMPDIR;
  const server = await chromium.launchServer({ executablePath, headless, args: CHROMIUM_ARGS, env: work.env });
  const proc = server.process();
  const exited = new Promise((resolve) => (proc.exitCode !== null ? resolve() : proc.once('exit', resolve)));
  const browser = await chromium.connect(server.wsEndpoint());
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.race([browser.close().catch(() => {}), sleep(3000)]);
    await Promise.race([server.close().catch(() => {}), sleep(3000)]);
    await killGroup(proc.pid, exited, 2000);
  };
  return { browser, stop };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
