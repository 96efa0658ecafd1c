import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { HELP, runCli } from '../../../src/cli/cli';

const REPO = resolve(__dirname, '../../..');
const FRAMEWORKS = join(REPO, 'test/fixtures/frameworks');
const OWN = join(REPO, 'test/fixtures');

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (t) => { out += `${t}\n`; }, err: (t) => { err += `${t}\n`; } });
  return { code, out, err };
}

const LAYER_KEYS = ['name', 'kind', 'channels', 'epsilon', 'momentum', 'momentumConvention', 'affine', 'center', 'scale', 'gamma', 'beta', 'runningMean', 'runningVar', 'numBatchesTracked', 'training', 'after', 'before'];

describe('bnlens inspect --json', () => {
  it('prints the Keras fixture exactly in the documented shape', async () => {
    const file = join(FRAMEWORKS, 'models/keras-convbn/keras_convbn.keras');
    const { code, out, err } = await run('inspect', file, '--json');
    expect([code, err]).toEqual([0, '']);
    const doc = JSON.parse(out);
    expect(Object.keys(doc)).toEqual(['file', 'format', 'producer', 'layers', 'warnings']);
    expect(doc).toMatchObject({ file, format: 'keras', producer: 'Keras' });
    // The anomaly checks' findings, as {layer, code, message}; null for one about the whole model.
    expect(doc.warnings).toEqual([
      { layer: 'bn2', code: 'epsilon-not-default', message: expect.stringMatching(/^ε is 0\.00001, not keras's default 0\.001/) },
      { layer: null, code: 'epsilon-inconsistent', message: expect.stringMatching(/^BatchNorm layers use 2 different ε values/) },
    ]);
    expect(doc.layers.map((l: Record<string, unknown>) => Object.keys(l))).toEqual([LAYER_KEYS, LAYER_KEYS, LAYER_KEYS]);
    expect(doc.layers[2]).toMatchObject({ name: 'bn3_nocenter', kind: 'BatchNorm', channels: 16, epsilon: 0.001, momentum: 0.99, momentumConvention: 'keras', affine: true, center: false, scale: true, beta: null, numBatchesTracked: null, training: null, after: 'Dense', before: 'Dense' });
    expect(doc.layers[0].gamma).toHaveLength(8);
    expect(typeof doc.layers[0].gamma[0]).toBe('number');
  });

  it('PyTorch state dicts give momentum null in the pytorch convention', async () => {
    const { code, out } = await run('inspect', '--json', join(OWN, 'pytorch/state_dict_legacy.pt'));
    expect(code).toBe(0);
    const bn2d = JSON.parse(out).layers[0];
    expect(bn2d).toMatchObject({ name: 'bn2d', momentum: null, momentumConvention: 'pytorch', epsilon: null, numBatchesTracked: 3, runningMean: expect.any(Array) });
  });

  it('TensorBoard files add scalars and histograms, edges one longer than counts', async () => {
    const { code, out } = await run('inspect', join(FRAMEWORKS, 'tensorboard/torch-histograms/events.out.tfevents.1795477187.vm.18004.0'), '--json');
    expect(code).toBe(0);
    const doc = JSON.parse(out);
    expect(Object.keys(doc)).toEqual(['file', 'format', 'producer', 'layers', 'warnings', 'scalars', 'histograms']);
    expect(doc.scalars[0]).toEqual({ tag: 'loss', step: 0, value: expect.any(Number) });
    expect(Object.keys(doc.histograms[0])).toEqual(['tag', 'step', 'min', 'max', 'num', 'sum', 'sumSquares', 'edges', 'counts']);
    for (const h of doc.histograms) expect(h.edges.length).toBe(h.counts.length + 1);
  });

  it('a run folder reads its event files', async () => {
    const { code, out } = await run('inspect', join(OWN, 'tensorboard/run'), '--json');
    expect(code).toBe(0);
    expect(JSON.parse(out).scalars.map((s: { step: number }) => s.step)).toEqual([0, 0, 1, 1, 2, 2]);
  });
});

describe('bnlens inspect (table)', () => {
  it('lists the layers with their settings and notes', async () => {
    const { code, out } = await run('inspect', join(OWN, 'onnx/torch_preserve.onnx'));
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toBe(`${join(OWN, 'onnx/torch_preserve.onnx')}: onnx (onnx), written by pytorch 1.13.0`);
    expect(lines[2]).toMatch(/^layer\s+kind\s+C\s+eps\s+momentum\s+gamma\s+beta\s+running mean\s+running var\s+mode\s+after\s+before$/);
    expect(lines[4]).toMatch(/^\/bn\/BatchNormalization\s+BatchNorm\s+4\s+0\.001\s+0\.8 \(keras\)\s+1\s+0\s+.*\s+eval\s+Conv\s+Relu$/);
  });

  it('says so when there are no normalization layers', async () => {
    const { out } = await run('inspect', join(OWN, 'onnx/torch_convbn_folded.onnx'));
    expect(out).toContain('No normalization layers found.');
    expect(out).toContain('note: No normalization nodes, but 1 Conv node(s) with a bias');
  });
});

describe('bnlens errors and help', () => {
  it.each([
    [join(OWN, 'pytorch/bad/os_system.pt'), "the file refers to the Python global 'os.system'"],
    [join(OWN, 'safetensors/bad/overlap.safetensors'), "tensor 'b' begins at data offset 4"],
    [join(OWN, 'keras/keras2_model.py'), 'no such file or folder'],
    [join(OWN, 'onnx/make_onnx_fixtures.py'), 'not a model file BN Lens can read (expected ONNX'],
  ])('%s exits 2 with one line', async (file, problem) => {
    const { code, out, err } = await run('inspect', file);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err.split('\n')).toHaveLength(2); // one line and its newline
    expect(err.startsWith(`bnlens: ${file}: ${problem}`)).toBe(true);
  });

  it('--help prints usage and exits 0; bad usage exits 2', async () => {
    expect(await run('--help')).toEqual({ code: 0, out: `${HELP}\n`, err: '' });
    expect((await run()).code).toBe(2);
    expect(await run('frobnicate')).toMatchObject({ code: 2, err: "bnlens: unknown command 'frobnicate' (try bnlens --help)\n" });
    expect(await run('inspect', 'a', '--yaml')).toMatchObject({ code: 2, err: "bnlens: unknown option '--yaml' (try bnlens --help)\n" });
    expect(await run('inspect', 'a', 'b')).toMatchObject({ code: 2, err: 'bnlens: inspect takes one FILE (try bnlens --help)\n' });
  });
});

describe('the bundled CLI', () => {
  let dir: string;
  let cli: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bnlens-cli-'));
    cli = join(dir, 'cli.js');
    await build({ entryPoints: [join(REPO, 'src/cli/main.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: cli, logLevel: 'error' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sets the exit code and keeps jsfive quiet on a damaged HDF5 file', () => {
    const ok = spawnSync(process.execPath, [cli, 'inspect', join(FRAMEWORKS, 'models/tfjs-convbn/model.json'), '--json'], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).layers.map((l: { name: string }) => l.name)).toEqual(['bn1', 'bn2']);
    const bad = spawnSync(process.execPath, [cli, 'inspect', join(OWN, 'keras/bad/truncated.h5')], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe(`bnlens: ${join(OWN, 'keras/bad/truncated.h5')}: the HDF5 data is damaged or uses a feature jsfive cannot read (Offset is outside the bounds of the DataView) (HDF5 superblock)\n`);
  });

  it('ends quietly when the reader closes the pipe early', () => {
    // `true` exits without reading, so every write of the JSON meets a closed pipe (EPIPE).
    const file = join(FRAMEWORKS, 'tensorboard/torch-histograms/events.out.tfevents.1795477187.vm.18004.0');
    const piped = spawnSync('sh', ['-c', `"${process.execPath}" "${cli}" inspect "${file}" --json | true`], { encoding: 'utf8' });
    expect([piped.status, piped.stderr]).toEqual([0, '']);
  });
});
