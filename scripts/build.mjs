// Bundles the extension host code, the webview, the CLI, the engine worker and the in-VS Code tests
// with esbuild, and compiles the WebAssembly kernels (scripts/build-wasm.mjs). Runtime code is bundled
// so the .vsix needs no node_modules.
//   node scripts/build.mjs [--watch] [--production]
import * as esbuild from 'esbuild';
import { chmodSync, rmSync } from 'node:fs';
import { buildKernels } from './build-wasm.mjs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  target: 'es2022',
};

/** @type {import('esbuild').BuildOptions[]} */
const builds = [
  {
    ...common,
    entryPoints: { extension: 'src/extension/extension.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    external: ['vscode'],
  },
  {
    ...common,
    entryPoints: { webview: 'webview/main.ts', sidebar: 'webview/sidebar.ts', studio: 'webview/studio/main.ts' },
    outdir: 'dist',
    platform: 'browser',
    format: 'iife',
  },
];
// Worker threads: training (engine) and the probe (analysis), each its own bundle.
builds.push({
  ...common,
  entryPoints: { worker: 'src/engine/worker/trainingWorker.ts', probeWorker: 'src/analysis/worker/probeWorker.ts' },
  outdir: 'dist',
  platform: 'node',
  format: 'cjs',
});
builds.push({ ...common, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', platform: 'node', format: 'cjs', banner: { js: '#!/usr/bin/env node' } });
if (!production) {
  // The extension tests run inside the real extension host; mocha is bundled in, vscode is not.
  builds.push({
    ...common,
    entryPoints: { 'test/extension/index': 'test/extension/index.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    external: ['vscode'],
    // mocha resolves its optional parallel-mode worker at run time; the tests run serially.
    logOverride: { 'require-resolve-not-external': 'silent' },
  });
}

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await buildKernels();
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('esbuild: watching for changes…');
} else {
  const started = Date.now();
  // A production build must not ship development bundles left from an earlier build.
  if (production) rmSync('dist', { recursive: true, force: true });
  await Promise.all([...builds.map((b) => esbuild.build(b)), buildKernels()]);
  chmodSync('dist/cli.js', 0o755);
  console.log(`esbuild: built ${builds.length} bundles in ${Date.now() - started} ms${production ? ' (production)' : ''}`);
}
