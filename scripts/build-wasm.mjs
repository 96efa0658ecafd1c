// Compiles the engine's WebAssembly kernels (src/engine/kernels/wasm/assembly, AssemblyScript) with the
// asc compiler from node_modules, twice: plain SIMD (every runtime we support) and relaxed SIMD (fused
// multiply-add; used where the runtime validates it). Writes dist/kernels-simd.wasm and
// dist/kernels-relaxed.wasm, and skips the compile when dist/kernels.hash matches the sources.
// Memory is imported and shared, so the worker pool's threads all see one heap.
//   node scripts/build-wasm.mjs            (scripts/build.mjs calls buildKernels() too)
import asc from 'assemblyscript/asc';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = join(repoRoot, 'src/engine/kernels/wasm/assembly');
const entry = join(sourceDir, 'index.ts');

/** 65536 pages = 4 GiB, the most a 32-bit memory can address (shared memories need a maximum). */
const COMMON = ['--optimizeLevel', '3', '--shrinkLevel', '0', '--noAssert', '--runtime', 'stub', '--importMemory', '--sharedMemory',
  '--initialMemory', '1', '--maximumMemory', '65536', '--enable', 'simd', '--enable', 'threads', '--enable', 'bulk-memory'];
export const VARIANTS = { simd: [], relaxed: ['--enable', 'relaxed-simd'] };

function sourcesHash() {
  const hash = createHash('sha256');
  for (const f of readdirSync(sourceDir).sort()) hash.update(f).update(readFileSync(join(sourceDir, f)));
  hash.update(JSON.stringify([COMMON, VARIANTS]));
  return hash.digest('hex');
}

/** Compiles one variant in memory. */
export async function compileVariant(variant) {
  let binary;
  const errors = [];
  const { error } = await asc.main([entry, '--outFile', 'kernels.wasm', ...COMMON, ...VARIANTS[variant]], {
    writeFile: (name, contents) => {
      if (name.endsWith('.wasm')) binary = contents;
    },
    stdout: { write: () => true },
    stderr: { write: (s) => (errors.push(String(s)), true) },
  });
  if (error || !binary) throw new Error(`asc could not compile ${entry} (${variant}): ${error?.message ?? ''}\n${errors.join('')}`);
  return binary;
}

/** Writes dist/kernels-<variant>.wasm unless they are already built from these sources. */
export async function buildKernels(outDir = join(repoRoot, 'dist')) {
  const hash = sourcesHash();
  const hashFile = join(outDir, 'kernels.hash');
  const paths = Object.keys(VARIANTS).map((v) => join(outDir, `kernels-${v}.wasm`));
  if (existsSync(hashFile) && readFileSync(hashFile, 'utf8') === hash && paths.every(existsSync)) return false;
  mkdirSync(outDir, { recursive: true });
  for (const variant of Object.keys(VARIANTS)) {
    const binary = await compileVariant(variant);
    // Written aside and renamed: test files running in parallel may build at the same moment.
    const target = join(outDir, `kernels-${variant}.wasm`);
    const temp = `${target}.${process.pid}.tmp`;
    writeFileSync(temp, binary);
    renameSync(temp, target);
  }
  const temp = `${hashFile}.${process.pid}.tmp`;
  writeFileSync(temp, hash);
  renameSync(temp, hashFile);
  return true;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = await buildKernels(process.argv[2] ? resolve(process.argv[2]) : undefined);
  console.log(built ? 'asc: built dist/kernels-simd.wasm and dist/kernels-relaxed.wasm' : 'asc: kernels up to date');
}
