// The Training Studio's CNN preset (Shapes, 28×28 images, BatchNorm before ReLU, the form's defaults
// otherwise), run the way the Studio runs it: the job in a worker thread (TrainingClient on
// dist/worker.js, prepared ahead), its messages through LiveRun into a RunWriter, with the kernels the
// extension hands it (kernelSetup: two threads where there are two cores). Steps per second on the
// JavaScript kernels ("before", bnlens.engine.kernels = js) against the WebAssembly kernels (auto);
// ours = wasm, peer = js, ratio = js time / wasm time for the same run (= the speed-up in steps/s).
import { availableParallelism, tmpdir } from 'node:os';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { report, median } from './harness';
import { nodeRunFs } from '../src/analysis/runs/nodeFs';
import { specFromForm } from '../src/analysis/runs/presets';
import { DEFAULT_FORM } from '../src/shared/runs/studioForm';
import { resolveSpec } from '../src/analysis/runs/spec';
import { RunWriter } from '../src/analysis/runs/store';
import { TrainingClient } from '../src/engine/worker/client';
import { LiveRun } from '../src/analysis/runs/liveRun';
import type { KernelSetup } from '../src/engine/kernels/select';

const WORKER = resolve('dist/worker.js');
const ROUNDS = 3;

async function main(): Promise<void> {
  const form = { ...DEFAULT_FORM, dataset: { kind: 'shapes' as const }, architecture: { preset: 'cnn' as const }, epochs: 2 };
  const spec = specFromForm(form, { classes: 3, samples: 600 });
  const config = await resolveSpec(spec, 'bench', async () => null);
  const dir = mkdtempSync(join(tmpdir(), 'bnlens-studio-cnn-bench-'));
  const binaries = {
    simd: new Uint8Array(readFileSync(resolve('dist/kernels-simd.wasm'))),
    relaxed: new Uint8Array(readFileSync(resolve('dist/kernels-relaxed.wasm'))),
  };
  const threads = Math.min(2, availableParallelism());
  let n = 0;
  const run = async (kernels: KernelSetup): Promise<{ ms: number; steps: number }> => {
    const client = new TrainingClient(WORKER);
    client.prepare();
    await new Promise((r) => setTimeout(r, 150));
    const t0 = performance.now();
    const writer = await RunWriter.create(nodeRunFs(dir), '.', { name: `cnn-${n++}`, label: 'bench', spec });
    const live = new LiveRun({ client, writer, post: (update) => void structuredClone(update) });
    live.start(config, kernels);
    const info = await live.ended;
    if (info.status !== 'completed') throw new Error(`the CNN run ended ${info.status}`);
    return { ms: performance.now() - t0, steps: info.steps };
  };
  const js: KernelSetup = { choice: 'js' };
  const wasm: KernelSetup = { choice: 'auto', threads, binaries };
  await run(js);
  await run(wasm);
  const jsMs: number[] = [];
  const wasmMs: number[] = [];
  let steps = 0;
  for (let i = 0; i < ROUNDS; i++) {
    // A, B, B, A against drifting load.
    const order = i % 2 === 0 ? [js, wasm] : [wasm, js];
    for (const k of order) {
      const r = await run(k);
      steps = r.steps;
      (k === js ? jsMs : wasmMs).push(r.ms);
    }
  }
  const oursMs = median(wasmMs);
  const peerMs = median(jsMs);
  report({
    name: 'studio-cnn-preset-steps',
    oursMs, peer: 'same run on the JavaScript kernels', peerMs,
    extra: {
      run: `Shapes 28×28, CNN preset + BN, batch ${config.batchSize}, ${config.epochs} epochs, ${steps} steps, recording every ${spec.record?.everySteps ?? 1}`,
      kernels: `wasm ×${threads} (auto)`,
      wasmStepsPerSecond: (steps / (oursMs / 1000)).toFixed(1),
      jsStepsPerSecond: (steps / (peerMs / 1000)).toFixed(1),
    },
  });
  rmSync(dir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
