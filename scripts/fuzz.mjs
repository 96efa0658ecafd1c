// The fuzz suite (issue 12): mutates every format's fixtures and the crafted hostile files
// (test/fuzz/crafted.mjs) and reads each mutant with the CLI (`node dist/cli.js inspect|forward`) in a child
// process of its own. Every call must end with exit 0 or 2; on 2, stderr is exactly one "bnlens:" line;
// never a stack trace; under 10 s; peak memory (maxRSS) under 10× the files' size + 200 MB.
//   node scripts/fuzz.mjs                 the CI share: 12 mutants per format plus each crafted case
//   node scripts/fuzz.mjs --long          2,000 mutants per format (by hand; about an hour on 2 cores)
//   options: --count N, --from K (mutants K..N-1 only, to split a long run), --seed S (default 12),
//            --jobs J (default 2), --format NAME, --report FILE.json (rewritten every 200 runs)
// Mutants are deterministic: mutant i of a format is made from seed S and i alone. A failing mutant is
// kept under fuzz-failures/ with the command that reads it. Needs dist/ (npm run build).

import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CRAFTED, FIXTURES, SECRET } from '../test/fuzz/crafted.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(repo, 'dist', 'cli.js');
const rssProbe = pathToFileURL(join(repo, 'scripts', 'fuzz-rss.mjs')).href;

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};
const long = argv.includes('--long');
const COUNT = Number(option('--count', long ? 2000 : 12));
const SEED = Number(option('--seed', 12));
const FROM = Number(option('--from', 0));
const JOBS = Number(option('--jobs', 2));
const ONLY = option('--format', null);
const REPORT = option('--report', null);
const TIME_LIMIT_MS = 10_000;
const MB = 1024 * 1024;

// ---- seeds: each a main file (the one mutated), the files next to it, and how the CLI reads it ------

const fx = (...p) => join(FIXTURES, ...p);
const inspect = (main, siblings = []) => ({ main, siblings, args: (m) => ['inspect', m] });
const forwardOn = (main) => ({ main, siblings: [], args: (m) => ['forward', fx('onnx', 'bn6_is_test.onnx'), '--input', m] });
const filesIn = (folder, test) => readdirSync(fx(folder)).filter(test).map((f) => fx(folder, f));

const SEEDS = {
  onnx: [...filesIn('onnx', (f) => f.endsWith('.onnx') && f !== 'external.onnx').map((f) => inspect(f)), inspect(fx('onnx', 'external.onnx'), [fx('onnx', 'external.onnx.data')])],
  'pytorch-zip': [inspect(fx('pytorch', 'state_dict_zip.pt')), inspect(fx('pytorch', 'checkpoint.pth'))],
  'pytorch-legacy': [inspect(fx('pytorch', 'state_dict_legacy.pt')), inspect(fx('pytorch', 'checkpoint_state_dict_legacy.pth'))],
  safetensors: filesIn('safetensors', (f) => f.endsWith('.safetensors')).map((f) => inspect(f)),
  'keras-zip': [inspect(fx('keras', 'keras3_unnamed.keras'))],
  'keras-h5': [inspect(fx('keras', 'keras2_model.h5')), inspect(fx('keras', 'keras2_weights_only.h5')), inspect(fx('keras', 'keras3_unnamed.weights.h5')), inspect(fx('keras', 'keras2_model.json'), [fx('keras', 'keras2_model.h5')])],
  tfjs: [
    inspect(fx('tfjs', 'graph', 'model.json'), [fx('tfjs', 'graph', 'weights.bin')]),
    inspect(fx('tfjs', 'sharded', 'model.json'), [fx('tfjs', 'sharded', 'group1-shard1of2.bin'), fx('tfjs', 'sharded', 'group1-shard2of2.bin')]),
    inspect(fx('tfjs', 'manifest', 'weights_manifest.json'), [fx('tfjs', 'manifest', 'tfjs_convbn.weights.bin')]),
    inspect(fx('tfjs', 'quantized', 'model_uint8.json'), [fx('tfjs', 'quantized', 'weights_uint8.bin')]),
  ],
  tensorboard: filesIn('tensorboard', (f) => f.startsWith('events.out.tfevents.')).map((f) => inspect(f)),
  npy: filesIn('npy', (f) => /\.np[yz]$/.test(f)).map((f) => forwardOn(f)),
};
/** Crafted cases by fuzz format ('keras' cases are .h5 or .keras files). */
const craftedFormat = (c) => (c.format === 'keras' ? (c.name.includes('zip') ? 'keras-zip' : 'keras-h5') : c.format);

// ---- deterministic mutation -----------------------------------------------------------------------

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0xffffffff, 0x100000000, 2 ** 40, 2 ** 53 - 1];

/** One to three of: bit flips, interesting integers, byte runs, truncation, chunk duplication or deletion, JSON numbers and strings. */
function mutate(bytes, random) {
  let b = Buffer.from(bytes);
  const at = (n = b.length) => Math.floor(random() * Math.max(1, n));
  const steps = 1 + at(3);
  for (let s = 0; s < steps; s++) {
    if (b.length === 0) break;
    switch (at(8)) {
      case 0: for (let k = 1 + at(8); k > 0; k--) { const i = at(); b[i] ^= 1 << at(8); } break;
      case 1: { // an interesting integer, 1, 2, 4 or 8 bytes little-endian
        const width = [1, 2, 4, 8][at(4)];
        const i = at(Math.max(1, b.length - width));
        const v = BigInt(INTERESTING[at(INTERESTING.length)]);
        for (let k = 0; k < width && i + k < b.length; k++) b[i + k] = Number((v >> BigInt(8 * k)) & 0xffn);
        break;
      }
      case 2: { const i = at(); b.fill([0, 0xff, 0x41][at(3)], i, Math.min(b.length, i + 1 + at(64))); break; }
      case 3: b = b.subarray(0, at()); break;
      case 4: { // duplicate a chunk in place
        const i = at(); const n = 1 + at(Math.min(4096, b.length - i));
        b = Buffer.concat([b.subarray(0, i + n), b.subarray(i, i + n), b.subarray(i + n)]);
        break;
      }
      case 5: { const i = at(); b = Buffer.concat([b.subarray(0, i), b.subarray(i + 1 + at(256))]); break; }
      case 6: { // a number in text (JSON, npy headers) becomes a huge, negative or fractional one
        const text = b.toString('latin1');
        const numbers = [...text.matchAll(/\d+/g)];
        if (numbers.length === 0) break;
        const m = numbers[at(numbers.length)];
        const value = ['99999999999', '-1', '1e308', '0', '4294967296', '3.5'][at(6)];
        b = Buffer.from(text.slice(0, m.index) + value + text.slice(m.index + m[0].length), 'latin1');
        break;
      }
      default: { // a string in text becomes a path out of the folder, or a deep nest
        const text = b.toString('latin1');
        const strings = [...text.matchAll(/"[^"\\]{1,80}"/g)];
        if (strings.length === 0) { b[at()] ^= 0xff; break; }
        const m = strings[at(strings.length)];
        const value = ['"../../../../etc/passwd"', '"/etc/passwd"', `${'['.repeat(5000)}${']'.repeat(5000)}`, '"a\\u0000b"', '""'][at(5)];
        b = Buffer.from(text.slice(0, m.index) + value + text.slice(m.index + m[0].length), 'latin1');
      }
    }
  }
  return b;
}

// ---- running the CLI ------------------------------------------------------------------------------

/** Runs the CLI in its own process group; its peak RSS comes from scripts/fuzz-rss.mjs, preloaded. */
function runCli(args, rssFile) {
  return new Promise((resolveRun) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', rssProbe, cli, ...args], {
      detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, BNLENS_FUZZ_RSS: rssFile },
    });
    let stderr = '';
    child.stderr.on('data', (d) => { if (stderr.length < 65536) stderr += d; });
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone already */ }
    }, TIME_LIMIT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      let rssKb = NaN;
      try { rssKb = Number(readFileSync(rssFile, 'utf8')); } catch { /* the process died before its exit handler */ }
      rmSync(rssFile, { force: true });
      resolveRun({ code, signal, stderr, ms, rssKb, hung });
    });
  });
}

/** What is wrong with one call, or null. */
function verdict(r, bytes) {
  if (r.hung) return `hang: killed after ${TIME_LIMIT_MS} ms`;
  if (r.code !== 0 && r.code !== 2) return `crash: exit ${r.code}${r.signal ? ` (${r.signal})` : ''}: ${r.stderr.slice(0, 300)}`;
  if (/^\s+at .+:\d+/m.test(r.stderr)) return `stack trace on stderr: ${r.stderr.slice(0, 300)}`;
  if (r.stderr.includes(SECRET.slice(0, 10))) return 'stderr quotes the secret outside the folder';
  const lines = r.stderr.trimEnd().split('\n').filter(Boolean);
  if (r.code === 2 && (lines.length !== 1 || !lines[0].startsWith('bnlens: '))) return `exit 2 with ${lines.length} stderr lines: ${r.stderr.slice(0, 300)}`;
  if (r.code === 0 && lines.length !== 0) return `exit 0 with stderr: ${r.stderr.slice(0, 300)}`;
  if (r.ms >= TIME_LIMIT_MS) return `slow: ${Math.round(r.ms)} ms`;
  const limitKb = (10 * bytes + 200 * MB) / 1024;
  if (!(r.rssKb < limitKb)) return `memory: ${Number.isNaN(r.rssKb) ? 'unknown (no exit handler ran)' : `${Math.round(r.rssKb / 1024)} MB`} for ${bytes} bytes (limit ${Math.round(limitKb / 1024)} MB)`;
  return null;
}

// ---- the work list --------------------------------------------------------------------------------

const formats = Object.keys(SEEDS).filter((f) => !ONLY || f === ONLY);
const work = [];
for (const format of formats) {
  const crafted = CRAFTED.filter((c) => craftedFormat(c) === format);
  // The crafted cases are read once as they are (the CI share), then take their turn as seeds.
  if (FROM === 0) for (const c of crafted) work.push({ format, crafted: c, index: -1 });
  for (let i = FROM; i < COUNT; i++) work.push({ format, crafted: null, index: i, pool: SEEDS[format].length + crafted.length, craftedPool: crafted });
}

// Formats take turns, so a run stopped early has covered each about equally.
work.sort((x, y) => x.index - y.index || formats.indexOf(x.format) - formats.indexOf(y.format));

const root = mkdtempSync(join(tmpdir(), 'bnlens-fuzz-'));
const failuresDir = join(repo, 'fuzz-failures');
const stats = Object.fromEntries(formats.map((f) => [f, { mutants: 0, crafted: 0, exit0: 0, exit2: 0, failures: 0, slowest: { ms: 0, what: '' }, largest: { mb: 0, bytes: 0, what: '' } }]));
const failures = [];
let done = 0;

/** Each job has its own folder, and its own copy of the crafted cases (built once, restored after each mutant). */
async function job(id, items) {
  const home = join(root, `job${id}`);
  mkdirSync(home);
  const builtCrafted = new Map();
  const craftedCase = (c) => {
    if (!builtCrafted.has(c.name)) {
      const dir = join(home, 'crafted', c.name);
      mkdirSync(dir, { recursive: true });
      const built = c.build(dir);
      const mutable = built.main.startsWith(dir) && statSync(built.main).isFile();
      builtCrafted.set(c.name, { ...built, mutable, original: mutable ? readFileSync(built.main) : null });
    }
    return builtCrafted.get(c.name);
  };
  for (const item of items) {
    const random = rng((SEED * 1_000_003 + item.index * 7919 + formats.indexOf(item.format) * 104729) >>> 0);
    let args;
    let bytes;
    let restore = () => undefined;
    let what;
    if (item.crafted) {
      const c = craftedCase(item.crafted);
      args = c.args;
      bytes = c.mutable ? c.original.length : 0;
      what = `crafted ${item.crafted.name}`;
    } else {
      const pick = Math.floor(random() * item.pool);
      const seeds = SEEDS[item.format];
      if (pick < seeds.length) {
        const seed = seeds[pick];
        const dir = join(home, 'mutant');
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir);
        for (const s of seed.siblings) copyFileSync(s, join(dir, basename(s)));
        // Mostly the main file is mutated; now and then one of the files next to it instead.
        const target = seed.siblings.length && random() < 0.2 ? seed.siblings[Math.floor(random() * seed.siblings.length)] : seed.main;
        if (target !== seed.main) copyFileSync(seed.main, join(dir, basename(seed.main)));
        const mutated = mutate(readFileSync(target), random);
        writeFileSync(join(dir, basename(target)), mutated);
        const main = join(dir, basename(seed.main));
        args = seed.args(main);
        bytes = [main, ...seed.siblings.map((s) => join(dir, basename(s)))].reduce((n, f) => n + statSync(f).size, 0);
        what = `mutant ${item.index} of ${relative(repo, target)}`;
      } else {
        const crafted = item.craftedPool[pick - seeds.length];
        const c = craftedCase(crafted);
        args = c.args;
        if (c.mutable) {
          const mutated = mutate(c.original, random);
          writeFileSync(c.main, mutated);
          restore = () => writeFileSync(c.main, c.original);
          bytes = mutated.length;
        } else bytes = 0;
        what = `mutant ${item.index} of crafted ${crafted.name}`;
      }
    }
    const r = await runCli(args, join(home, 'rss'));
    const problem = verdict(r, bytes);
    const s = stats[item.format];
    if (item.crafted) s.crafted++;
    else s.mutants++;
    if (r.code === 0) s.exit0++;
    if (r.code === 2) s.exit2++;
    if (r.ms > s.slowest.ms) s.slowest = { ms: Math.round(r.ms), what };
    if (r.rssKb / 1024 > s.largest.mb) s.largest = { mb: Math.round(r.rssKb / 1024), bytes, what };
    if (problem) {
      s.failures++;
      const keep = join(failuresDir, `${item.format}-${item.index}-${Date.now()}`);
      mkdirSync(keep, { recursive: true });
      const main = args[args.length - 1 - (args[0] === 'forward' ? 0 : 0)];
      if (existsSync(main) && statSync(main).isFile()) copyFileSync(main, join(keep, basename(main)));
      writeFileSync(join(keep, 'README.txt'), `${what}\nnode dist/cli.js ${args.join(' ')}\n${problem}\n`);
      failures.push({ format: item.format, what, problem, kept: relative(repo, keep) });
      console.error(`FAIL ${item.format} ${what}: ${problem}`);
    }
    restore();
    if (++done % 200 === 0) {
      console.error(`… ${done}/${work.length} runs`);
      writeReport();
    }
  }
}

function writeReport() {
  if (REPORT) writeFileSync(REPORT, `${JSON.stringify({ seed: SEED, from: FROM, count: COUNT, runs: done, of: work.length, stats, failures }, null, 2)}\n`);
}

if (!existsSync(cli)) {
  console.error('bnlens fuzz: dist/cli.js is missing: run `npm run build` first');
  process.exit(2);
}
const started = Date.now();
const lanes = Array.from({ length: JOBS }, () => []);
work.forEach((w, i) => lanes[i % JOBS].push(w));
try {
  await Promise.all(lanes.map((items, id) => job(id, items)));
} finally {
  rmSync(root, { recursive: true, force: true });
}

console.log(`bnlens fuzz: seed ${SEED}, mutants ${FROM}..${COUNT - 1} of each format, ${done} runs in ${Math.round((Date.now() - started) / 1000)} s`);
console.log('format           mutants  crafted  exit0  exit2  failures  slowest (ms)  largest RSS (MB)');
for (const [f, s] of Object.entries(stats)) {
  console.log(`${f.padEnd(16)} ${String(s.mutants).padStart(7)}  ${String(s.crafted).padStart(7)}  ${String(s.exit0).padStart(5)}  ${String(s.exit2).padStart(5)}  ${String(s.failures).padStart(8)}  ${String(s.slowest.ms).padStart(12)}  ${String(s.largest.mb).padStart(16)}`);
}
for (const [f, s] of Object.entries(stats)) console.log(`${f}: slowest ${s.slowest.ms} ms (${s.slowest.what}); largest ${s.largest.mb} MB for ${s.largest.bytes} bytes (${s.largest.what})`);
writeReport();
console.log(failures.length ? `${failures.length} failure(s), kept under fuzz-failures/` : 'no crashes, hangs, stack traces or memory blowups');
process.exit(failures.length ? 1 : 0);
