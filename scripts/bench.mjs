// npm run bench: bundles each bench/*.bench.ts, runs each in its own Node process, prints its lines and
// writes every result to bench-results.json as [{"name","oursMs","peer","peerMs","ratio"}].
//   node scripts/bench.mjs [filter]   (filter: run only benchmarks whose file name contains it)
import * as esbuild from 'esbuild';
import { readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';

const filter = process.argv[2] ?? '';
const files = readdirSync('bench').filter((f) => f.endsWith('.bench.ts') && f.includes(filter)).sort();
await esbuild.build({
  entryPoints: files.map((f) => `bench/${f}`),
  outdir: 'dist/bench',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'es2022',
  sourcemap: true,
  logLevel: 'warning',
  // Peers load their own native or wasm files from node_modules at run time.
  external: ['@tensorflow/*', 'onnxruntime-node'],
});

console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
const results = [];
let failed = 0;
for (const f of files) {
  const js = `dist/bench/${f.replace(/\.ts$/, '.js')}`;
  const run = spawnSync(process.execPath, ['--enable-source-maps', js], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
  for (const line of run.stdout.split('\n')) {
    if (line.startsWith('BENCH_RESULT ')) results.push(JSON.parse(line.slice('BENCH_RESULT '.length)));
    else if (line) console.log(line);
  }
  if (run.status !== 0) {
    failed++;
    console.error(`bench: ${f} exited with ${run.status ?? run.signal}`);
  }
}
writeFileSync('bench-results.json', JSON.stringify(results, null, 2) + '\n');
console.log(`bench: ${results.length} results from ${files.length} files written to bench-results.json`);
process.exit(failed ? 1 : 0);
