// `bnlens train`: a spec trains to a run folder the studio reads, with a progress line per epoch when not
// on a terminal; bad specs, missing files and an occupied --out are refused naming the file (exit 2).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeRunFs } from '../../../src/analysis/runs/nodeFs';
import { readRun } from '../../../src/analysis/runs/store';
import { runTrain, withDefaultRecording } from '../../../src/cli/train';
import { installKernels } from '../../../src/engine/kernels/select';
import { kernelBinaries } from '../engine/kernels/wasmBinaries';

const dir = mkdtempSync(join(tmpdir(), 'bnlens-cli-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function train(args: string[], options: { tty?: boolean; stopAfter?: number; kernelsDir?: string } = {}): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  let calls = 0;
  const code = await runTrain(args, { out: (t) => out.push(t), err: (t) => err.push(t) }, {
    tty: options.tty ?? false, quiet: false, redrawMs: 0, shouldStop: () => ++calls > (options.stopAfter ?? Infinity),
    ...(options.kernelsDir ? { kernelsDir: options.kernelsDir } : {}),
  });
  return { code, out, err };
}

const spec = {
  name: 'csv demo',
  dataset: { kind: 'csv', file: 'points.csv', labelColumn: 'label' },
  layers: [{ type: 'dense', units: 8 }, { type: 'batchnorm' }, { type: 'relu' }, { type: 'dense', units: 2 }],
  epochs: 3, batchSize: 8, lr: 0.05,
};
writeFileSync(join(dir, 'points.csv'), `x,y,label\n${Array.from({ length: 60 }, (_, i) => `${Math.cos(i)},${Math.sin(i * 1.3)},${i % 2 ? 'a' : 'b'}`).join('\n')}\n`);
writeFileSync(join(dir, 'demo.bnlens.json'), JSON.stringify(spec));

describe('bnlens train', () => {
  it('trains a spec with a CSV next to it into a run folder, one progress line per epoch', async () => {
    const { code, out, err } = await train(['--config', join(dir, 'demo.bnlens.json'), '--out', join(dir, 'run1')]);
    expect(code, err.join('\n')).toBe(0);
    expect(err.filter((l) => /^\[#+-*\] epoch \d\/3/.test(l)).length).toBe(3);
    expect(out[0]).toMatch(/^Completed: 18\/18 steps in [\d.]+ s$/);
    expect(out[1]).toMatch(/^validation accuracy [\d.]+ in eval mode, [\d.]+ in train mode/);
    const run = await readRun(nodeRunFs(dir), 'run1');
    expect(run.info.status).toBe('completed');
    expect(run.spec.dataset).toEqual(spec.dataset);
    expect(run.frames.length).toBe(18);
    expect(run.schema.layers.map((l) => l.kind)).toEqual(['BatchNorm', 'ReLU']);
  });

  it('draws a bar on a terminal and saves a stopped run when asked to stop', async () => {
    const { code, out, err } = await train(['--config', join(dir, 'demo.bnlens.json'), '--out', join(dir, 'run2')], { tty: true, stopAfter: 5 }); // asked after step 6
    expect(code).toBe(0);
    expect(err.some((l) => /^\r\[#*-*\] \d+% step \d+\/18 · epoch 1\/3 · loss/.test(l))).toBe(true);
    expect(out[0]).toMatch(/^Stopped: 6\/18 steps/);
    expect((await readRun(nodeRunFs(dir), 'run2')).info.status).toBe('stopped');
  });

  it('refuses bad input with one line naming the file', async () => {
    const bad = join(dir, 'bad.bnlens.json');
    writeFileSync(bad, JSON.stringify({ ...spec, lr: 0 }));
    expect(await train(['--config', bad, '--out', join(dir, 'x')])).toMatchObject({ code: 2, err: [`bnlens: ${bad}: lr must be > 0`] });
    writeFileSync(bad, JSON.stringify({ ...spec, dataset: { ...spec.dataset, file: 'nope.csv' } }));
    expect((await train(['--config', bad, '--out', join(dir, 'x')])).err[0]).toBe(`bnlens: ${bad}: dataset.file "nope.csv" does not exist`);
    writeFileSync(bad, JSON.stringify({ ...spec, dataset: { ...spec.dataset, labelColumn: 'colour' } }));
    const csv = await train(['--config', bad, '--out', join(dir, 'y')]);
    expect(csv.code).toBe(1);
    expect(csv.out[0]).toMatch(/^Failed: 0 steps .*no column named "colour"/);
    expect((await train(['--config', join(dir, 'missing.json'), '--out', join(dir, 'x')])).err[0]).toBe(`bnlens: ${join(dir, 'missing.json')}: no such file`);
    expect((await train(['--config', join(dir, 'demo.bnlens.json'), '--out', join(dir, 'run1')])).err[0]).toMatch(/run1: already holds a run \(run\.json\)/);
    expect((await train(['--config', join(dir, 'demo.bnlens.json')])).err[0]).toMatch(/^bnlens train: needs --config SPEC\.json and --out DIR/);
    expect((await train(['--config', join(dir, 'demo.bnlens.json'), '--out', join(dir, 'z'), '--fast'])).err[0]).toMatch(/unknown option '--fast'/);
  });

  it('trains on the kernels --kernels or BNLENS_KERNELS names, and refuses an unknown choice', async () => {
    kernelBinaries(); // builds dist/kernels-*.wasm when missing or stale
    const distDir = join(__dirname, '../../../dist');
    try {
      const wasm = await train(['--config', join(dir, 'demo.bnlens.json'), '--out', join(dir, 'k1'), '--kernels', 'wasm'], { kernelsDir: distDir });
      expect(wasm.code, wasm.err.join('\n')).toBe(0);
      expect(wasm.err[0]).toMatch(/^engine kernels: wasm-(relaxed-)?simd on [12] thread\(s\)$/);
      process.env.BNLENS_KERNELS = 'js';
      const js = await train(['--config', join(dir, 'demo.bnlens.json'), '--out', join(dir, 'k2')], { kernelsDir: distDir });
      expect(js.err[0]).toBe('engine kernels: js on 1 thread(s)');
      const missing = await train(['--config', join(dir, 'demo.bnlens.json'), '--out', join(dir, 'k3'), '--kernels', 'auto'], { kernelsDir: dir });
      expect(missing.err[0]).toMatch(/^engine kernels: js on 1 thread\(s\) \(JavaScript kernels: the WebAssembly kernels \(dist\/kernels-\*\.wasm\) were not found\)$/);
      const forced = await train(['--config', join(dir, 'demo.bnlens.json'), '--out', join(dir, 'k4'), '--kernels', 'wasm'], { kernelsDir: dir });
      expect(forced).toMatchObject({ code: 2, err: ['bnlens: bnlens.engine.kernels is "wasm", but the WebAssembly kernels (dist/kernels-*.wasm) were not found'] });
      expect((await train(['--config', join(dir, 'demo.bnlens.json'), '--out', join(dir, 'k5'), '--kernels', 'fast'])).err[0])
        .toBe("bnlens train: --kernels (or BNLENS_KERNELS) must be one of auto, wasm, js, got 'fast'");
    } finally {
      delete process.env.BNLENS_KERNELS;
      await installKernels({ choice: 'js' });
    }
  });

  it('says how to use it with --help', async () => {
    const { code, out } = await train(['--help']);
    expect(code).toBe(0);
    expect(out[0]).toMatch(/^bnlens train --config SPEC\.json --out DIR/);
  });

  it('records about 200 steps when the spec does not say', () => {
    const config = withDefaultRecording({ dataset: { kind: 'spirals' }, layers: [], optimizer: { type: 'adam' }, lr: 0.01, batchSize: 8, epochs: 30, seed: 0 });
    expect(config.record).toEqual({ everySteps: 9, activations: true });
  });
});
