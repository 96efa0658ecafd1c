// Prepares a real VS Code workbench (code-server, the web build of VS Code 1.100.3) and the Chromium that
// drives it, in a cache folder. Microsoft's download servers are out of reach here, so code-server comes
// from npm with --ignore-scripts and its postinstall is done by hand (the steps below say why each is needed).
//   node scripts/vscode-env.mjs [--verbose]      (cache: BNLENS_CACHE or <repo>/.cache/vscode)
// A finished cache holds a marker file; with it a re-run only checks and returns in about a second.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
const APT_PACKAGES = ['chromium', 'libkrb5-dev', 'pkg-config', 'ripgrep'];
const NATIVE_MODULES = ['kerberos', 'node-pty', '@parcel/watcher', '@vscode/spdlog', 'native-watchdog'];
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function defaultCacheDir() {
  return resolve(process.env.BNLENS_CACHE || join(repoRoot, '.cache', 'vscode'));
}

/** Paths of a prepared cache, whether or not it is complete. */
export function vscodeEnvPaths(cacheDir = defaultCacheDir()) {
  const installDir = join(cacheDir, 'code-server'); // where `npm install code-server` runs (argon2 lands here)
  const codeServerDir = join(installDir, 'node_modules', 'code-server');
  return {
    cacheDir,
    installDir,
    codeServerDir,
    entry: join(codeServerDir, 'out', 'node', 'entry.js'),
    marker: join(installDir, '.bnlens-ready.json'),
    logDir: join(cacheDir, 'logs'),
    chromium: '/usr/bin/chromium',
  };
}

/**
 * Makes sure the workbench can run; returns its paths. Idempotent: each call checks the apt packages
 * (fast) and the marker, and does the slow npm steps only when the marker is missing or stale.
 */
export async function prepareVscodeEnv({ cacheDir = defaultCacheDir(), verbose = false, log = console.log } = {}) {
  const paths = vscodeEnvPaths(cacheDir);
  mkdirSync(paths.logDir, { recursive: true });
  const started = Date.now();
  const say = (msg) => log(`[vscode-env +${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);
  const ctx = { say, verbose, logDir: paths.logDir };

  await ensureAptPackages(ctx);

  // The marker records the Node ABI too: the native modules were built for one, and must be rebuilt for another.
  const wanted = { codeServer: CODE_SERVER_VERSION, nodeAbi: process.versions.modules };
  if (markerMatches(paths.marker, wanted) && existsSync(paths.entry)) {
    say(`code-server ${CODE_SERVER_VERSION} ready in ${paths.installDir}`);
    return paths;
  }

  const unlock = await lock(join(cacheDir, '.prepare.lock'), say);
  try {
    // Another process may have finished the job while we waited for the lock.
    if (markerMatches(paths.marker, wanted) && existsSync(paths.entry)) return paths;
    await installCodeServer(paths, ctx);
    writeFileSync(paths.marker, JSON.stringify({ ...wanted, preparedAt: new Date().toISOString() }, null, 2) + '\n');
    say(`done: code-server ${CODE_SERVER_VERSION} ready in ${paths.installDir}`);
  } finally {
    unlock();
  }
  return paths;
}

async function ensureAptPackages(ctx) {
  const missing = APT_PACKAGES.filter((p) => !dpkgInstalled(p));
  // Chromium and rg are also used by path: a package that is "installed" but whose binary is gone is missing too.
  if (!missing.includes('chromium') && !existsSync('/usr/bin/chromium')) missing.push('chromium');
  if (!missing.includes('ripgrep') && !commandExists('rg')) missing.push('ripgrep');
  if (missing.length === 0) return;

  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  if (sudo.length && !commandExists('sudo')) {
    throw new StepError('apt packages', `missing Debian packages ${missing.join(', ')} and not root (no sudo): install them with apt-get`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  ctx.say(`installing Debian packages: ${missing.join(' ')} (apt-get update + install, ~25 s)`);
  // Wait for dpkg's lock rather than fail when another apt-get (another run, another user) holds it.
  const wait = ['-o', 'DPkg::Lock::Timeout=300'];
  await run(ctx, 'apt-get update', [...sudo, 'apt-get', ...wait, 'update', '-q'], { env });
  await run(ctx, 'apt-get install', [...sudo, 'apt-get', ...wait, 'install', '-y', '-q', ...missing], { env });
  const still = APT_PACKAGES.filter((p) => !dpkgInstalled(p));
  if (still.length) throw new StepError('apt-get install', `packages still not installed after apt-get: ${still.join(', ')}`);
}

async function installCodeServer(paths, ctx) {
  const { installDir, codeServerDir } = paths;
  const vscodeDir = join(codeServerDir, 'lib', 'vscode');
  const npmEnv = npmChildEnv();
  const opts = { env: npmEnv };

  const installed = readJson(join(codeServerDir, 'package.json'))?.version;
  if (installed && installed !== CODE_SERVER_VERSION) {
    ctx.say(`removing code-server ${installed} (want ${CODE_SERVER_VERSION})`);
    rmSync(installDir, { recursive: true, force: true });
  }
  mkdirSync(installDir, { recursive: true });
  // Without a package.json here npm would walk up and take the repo as the project to install into.
  const pkgJson = join(installDir, 'package.json');
  if (!existsSync(pkgJson)) writeFileSync(pkgJson, JSON.stringify({ name: 'bnlens-code-server-cache', private: true }, null, 2) + '\n');

  // Step 2: its postinstall would download ripgrep from GitHub (unreachable), so no scripts.
  ctx.say(`npm install code-server@${CODE_SERVER_VERSION} --ignore-scripts (~10 s)`);
  await run(ctx, 'npm install code-server', ['npm', 'install', '--ignore-scripts', `code-server@${CODE_SERVER_VERSION}`], { ...opts, cwd: installDir });

  // Step 3: VS Code's own runtime dependencies, then the native modules it needs built for this Node.
  ctx.say('npm install in lib/vscode (~5 s)');
  await run(ctx, 'lib/vscode npm install', ['npm', 'install', '--omit=dev', '--ignore-scripts'], { ...opts, cwd: vscodeDir });
  ctx.say(`building native modules: ${NATIVE_MODULES.join(' ')} (~30 s)`);
  await run(ctx, 'native rebuild', ['npm', 'rebuild', ...NATIVE_MODULES], { ...opts, cwd: vscodeDir });

  // Step 4: the links postinstall.sh makes. Without the rg link Ctrl+P cannot find files not opened before.
  ctx.say('linking ripgrep, node_modules.asar and the helper scripts');
  const rg = commandPath('rg');
  await run(ctx, 'links', ['sh', '-ec', [
    'mkdir -p node_modules/@vscode/ripgrep/bin',
    `ln -sf "${rg}" node_modules/@vscode/ripgrep/bin/rg`,
    'ln -sfn node_modules node_modules.asar',
    'ln -sfn code-linux.sh bin/remote-cli/code-server',
    'ln -sfn browser-linux.sh bin/helpers/browser.sh',
  ].join('\n')], { cwd: vscodeDir });
  ctx.say('npm install in lib/vscode/extensions');
  await run(ctx, 'extensions npm install', ['npm', 'install', '--omit=dev', '--ignore-scripts'], { ...opts, cwd: join(vscodeDir, 'extensions') });

  // Step 5: argon2 is hoisted to the install folder, so it is rebuilt there (its prebuilt download fails fast).
  ctx.say('building argon2 (~5 s)');
  await run(ctx, 'argon2 rebuild', ['npm', 'rebuild', 'argon2'], { ...opts, cwd: installDir });

  ctx.say('checking the install');
  await checkNativeModules(paths, ctx);
  await checkStarts(paths, ctx);
}

/**
 * Every native module must load in this Node: npm rebuild can exit 0 having skipped one, and some (like
 * @parcel/watcher) load a prebuilt binary from an optional package instead of building one.
 */
async function checkNativeModules({ installDir, codeServerDir }, ctx) {
  const requireAll = (mods) => `for (const m of ${JSON.stringify(mods)}) require(m)`;
  await run(ctx, 'native module check', [process.execPath, '-e', requireAll(NATIVE_MODULES)], { cwd: join(codeServerDir, 'lib', 'vscode') });
  await run(ctx, 'argon2 check', [process.execPath, '-e', requireAll(['argon2'])], { cwd: installDir });
}

/** `code-server --version` must run; HOME points at a scratch folder because it writes a config there. */
async function checkStarts({ entry }, ctx) {
  const scratch = mkdtempSync(join(tmpdir(), 'bnlens-vscode-env-'));
  try {
    const env = { ...process.env, HOME: scratch, XDG_CONFIG_HOME: join(scratch, 'config'), XDG_DATA_HOME: join(scratch, 'data'), TMPDIR: scratch };
    const out = await run(ctx, 'code-server --version', [process.execPath, entry, '--version', '--config', join(scratch, 'config.yaml')], { env, capture: true });
    if (!out.includes(CODE_SERVER_VERSION)) throw new StepError('code-server --version', `unexpected output: ${out.trim()}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * npm, started from an `npm run` script, inherits npm_* variables describing the repo; they must not leak
 * into the installs in the cache. `yes` is forced: node-pty's install script runs `npx node-gyp`, and
 * ~/.npmrc may say yes=false, which makes that npx (and the rebuild) fail.
 */
function npmChildEnv() {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'INIT_CWD'));
  return { ...env, npm_config_yes: 'true', npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' };
}

/** Runs a command with its output in logs/<step>.log (streamed too with --verbose); throws StepError on failure. */
function run(ctx, step, [cmd, ...args], { cwd, env = process.env, capture = false } = {}) {
  const logFile = join(ctx.logDir, step.replace(/[^\w.-]+/g, '-') + '.log');
  const fd = openSync(logFile, 'w');
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let captured = '';
    const sink = (chunk) => {
      writeFileSync(fd, chunk);
      if (capture) captured += chunk;
      if (ctx.verbose) process.stderr.write(chunk);
    };
    child.stdout.on('data', sink);
    child.stderr.on('data', sink);
    child.on('error', (err) => { closeSync(fd); reject(new StepError(step, `could not start ${cmd}: ${err.message}`)); });
    child.on('close', (code, signal) => {
      closeSync(fd);
      if (code === 0) return resolvePromise(captured);
      const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-25).join('\n');
      reject(new StepError(step, `\`${[cmd, ...args].join(' ')}\` ${signal ? `was killed by ${signal}` : `exited with ${code}`} (in ${cwd ?? process.cwd()})\n--- last lines of ${logFile} ---\n${tail}`));
    });
  });
}

export class StepError extends Error {
  constructor(step, message) {
    super(`step "${step}" failed: ${message}`);
    this.step = step;
  }
}

/** A lock folder so that two runs starting at once (npm start + npm test) do not install over each other. */
async function lock(dir, say) {
  const deadline = Date.now() + 10 * 60_000;
  for (let announced = false; ; ) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'pid'), String(process.pid));
      return () => rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    const pid = Number(readText(join(dir, 'pid')) || 0);
    // A lock with no pid yet may have been made a moment ago; only an old one is abandoned.
    const abandoned = pid ? !processAlive(pid) : Date.now() - mtimeMs(dir) > 10_000;
    if (abandoned) {
      rmSync(dir, { recursive: true, force: true }); // left by a run that was killed
      continue;
    }
    if (Date.now() > deadline) throw new StepError('lock', `another preparation (pid ${pid}) still holds ${dir} after 10 minutes`);
    if (!announced) say(`waiting for another preparation of the cache (pid ${pid})`);
    announced = true;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function dpkgInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

function commandPath(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

function commandExists(cmd) {
  return commandPath(cmd) !== '';
}

function readText(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function mtimeMs(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function markerMatches(file, wanted) {
  const m = readJson(file);
  return !!m && Object.entries(wanted).every(([k, v]) => m[k] === v);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  try {
    const paths = await prepareVscodeEnv({ verbose: process.argv.includes('--verbose') });
    console.log(`[vscode-env] ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${paths.entry}`);
  } catch (err) {
    console.error(`[vscode-env] ${err.message}`);
    process.exit(1);
  }
}
