import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import { runCli } from '../../../src/cli/cli';
import { fileNames } from '../../../src/cli/forward';
import { readNpy, readNpz, writeNpy, type NpyArray } from '../../../src/formats/npy';
import { readModel } from '../../../src/formats/read';

const REPO = resolve(__dirname, '../../..');
const KERAS = resolve(REPO, 'test/fixtures/frameworks/models/keras-convbn');
const TFJS = resolve(REPO, 'test/fixtures/frameworks/models/tfjs-convbn');
const MODEL = join(KERAS, 'keras_convbn.keras');

async function bnlens(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (t) => { out += `${t}\n`; }, err: (t) => { err += `${t}\n`; } });
  return { code, out, err };
}

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

const io = readNpz('io', new Uint8Array(readFileSync(join(KERAS, 'keras_convbn_io.npz'))));
const x = io.get('input')!;
const dir = mkdtempSync(join(tmpdir(), 'bnlens-forward-'));
const at = (name: string): string => join(dir, name);

const npy = (a: NpyArray): Uint8Array => writeNpy(a.data, a.shape);
const readArray = (...parts: string[]): NpyArray => readNpy('out', new Uint8Array(readFileSync(join(dir, ...parts))));

beforeAll(() => {
  writeFileSync(at('x.npy'), npy(x));
  writeFileSync(at('x.npz'), zipSync({ 'image.npy': npy(x) }));
  // NCHW, the wrong layout for a channels-last Keras model.
  writeFileSync(join(dir, 'nchw.npy'), writeNpy(new Float32Array(x.data.length), [5, 3, 12, 12]));
  writeFileSync(join(dir, 'text.npy'), 'not an array');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bnlens forward', () => {
  it('passes an NHWC .npy forward through a Keras model and writes the output and every BN layer\'s input and output', async () => {
    const out = join(dir, 'out');
    const { code, out: text, err } = await bnlens('forward', MODEL, '--input', at('x.npy'), '--out', out);
    expect([code, err]).toEqual([0, '']);
    const lines = text.split('\n');
    expect(lines.slice(0, 2)).toEqual([`${MODEL}: keras (keras-v3), eval mode`, "input 'image' [5,12,12,3]; output 'logits' [5,4]"]);
    expect(lines[3]).toMatch(/^layer\s+kind\s+shape\s+pre mean\s+pre std\s+pre min\s+pre max\s+post mean\s+post std\s+post min\s+post max$/);
    expect(lines[5]).toMatch(/^bn1\s+BatchNorm\s+\[5,12,12,8\]\s/);
    expect(lines[7]).toMatch(/^bn3_nocenter\s+BatchNorm\s+\[5,16\]\s/);
    expect(readdirSync(join(out, 'layers')).sort()).toEqual(['bn1', 'bn2', 'bn3_nocenter']);
    const output = readArray('out', 'outputs', 'logits.npy');
    expect([output.dtype, output.shape]).toEqual(['float32', [5, 4]]);
    expect(maxAbsDifference(output.data, io.get('output')!.data)).toBeLessThan(1e-4);
    for (const layer of ['bn1', 'bn2', 'bn3_nocenter']) {
      expect(maxAbsDifference(readArray('out', 'layers', layer, 'input.npy').data, io.get(`bn_in/${layer}`)!.data)).toBeLessThan(1e-4);
      expect(maxAbsDifference(readArray('out', 'layers', layer, 'output.npy').data, io.get(`bn_out/${layer}`)!.data)).toBeLessThan(1e-4);
    }
  });

  it('--json: an .npz by input name, train mode normalizes with the batch\'s statistics', async () => {
    const { code, out } = await bnlens('forward', MODEL, '--input', at('x.npz'), '--json', '--mode=train');
    expect(code).toBe(0);
    const doc = JSON.parse(out);
    expect(Object.keys(doc)).toEqual(['file', 'format', 'mode', 'inputs', 'output', 'layers']);
    expect(doc).toMatchObject({ file: MODEL, format: 'keras', mode: 'train', inputs: [{ name: 'image', shape: [5, 12, 12, 3] }], output: { name: 'logits', shape: [5, 4] } });
    expect(doc.layers.map((l: { name: string }) => l.name)).toEqual(['bn1', 'bn2', 'bn3_nocenter']);
    expect(Object.keys(doc.layers[0])).toEqual(['name', 'kind', 'shape', 'pre', 'post']);
    expect(Object.keys(doc.layers[0].pre)).toEqual(['mean', 'std', 'min', 'max']);
    // Each channel's output mean is its β exactly, and every channel has as many values.
    const beta = [...(await readModel({ name: MODEL, bytes: readFileSync(MODEL), readSibling: async () => null })).normLayers[0].beta!.values()];
    expect(doc.layers[0].post.mean).toBeCloseTo(beta.reduce((a, b) => a + b, 0) / beta.length, 5);
    const evaluated = JSON.parse((await bnlens('forward', MODEL, '--input', at('x.npz'), '--json')).out);
    expect(evaluated.mode).toBe('eval');
    expect(evaluated.layers[0].post.mean).not.toBeCloseTo(doc.layers[0].post.mean, 3);
  });

  it('takes a TF.js layers model and an ONNX graph too', async () => {
    const ref = JSON.parse(readFileSync(join(TFJS, 'reference_io.json'), 'utf8')).model_io;
    writeFileSync(join(dir, 'tfjs.npy'), writeNpy(Float32Array.from(ref.input.data.flat(8) as number[]), ref.input.shape));
    const tfjs = JSON.parse((await bnlens('forward', join(TFJS, 'model.json'), '--input', join(dir, 'tfjs.npy'), '--json')).out);
    expect(tfjs).toMatchObject({ inputs: [{ name: 'conv1_input', shape: [4, 10, 10, 3] }], output: { name: 'logits', shape: [4, 3] } });
    writeFileSync(join(dir, 'image.npy'), writeNpy(new Float32Array(2 * 3 * 32 * 32).map((_, i) => Math.sin(i)), [2, 3, 32, 32]));
    const onnx = await bnlens('forward', join(REPO, 'samples/cnn-bn.onnx'), '--input', join(dir, 'image.npy'), '--out', join(dir, 'onnx'));
    expect(onnx.code).toBe(0);
    expect(readdirSync(join(dir, 'onnx', 'layers')).sort()).toEqual(['block1.bn', 'block2.bn', 'block3.bn']);
    expect(readArray('onnx', 'outputs', 'logits.npy').shape).toEqual([2, 10]);
  });

  it('layer names become safe, distinct file names', () => {
    expect(fileNames(['/bn/BatchNormalization', '..', 'a/b', 'a_b', 'a_b', 'bn1'])).toEqual(['_bn_BatchNormalization', '__', 'a_b', 'a_b_2', 'a_b_3', 'bn1']);
  });
});

describe('bnlens forward: what is wrong, in one line with exit status 2', () => {
  it('an unsupported layer, named with its class', async () => {
    const json = JSON.parse(readFileSync(join(TFJS, 'model.json'), 'utf8'));
    json.modelTopology.config.layers[2].class_name = 'ThresholdedReLU';
    const folder = mkdtempSync(join(dir, 'thresholded-'));
    writeFileSync(join(folder, 'model.json'), JSON.stringify(json));
    copyFileSync(join(TFJS, 'tfjs_convbn.weights.bin'), join(folder, 'tfjs_convbn.weights.bin'));
    const { code, out, err } = await bnlens('forward', join(folder, 'model.json'), '--input', at('x.npy'));
    expect([code, out]).toEqual([2, '']);
    expect(err).toMatch(new RegExp(`^bnlens: ${folder}/model\\.json: the engine has no 'ThresholdedReLU' layer \\(it runs .*\\); the normalization layers are still listed \\(layer 'relu1' \\(ThresholdedReLU\\)\\)\\n$`));
  });

  it.each([
    ['a weights-only file', [join(KERAS, 'keras_convbn.weights.h5'), '--input', at('x.npy')],
      `${join(KERAS, 'keras_convbn.weights.h5')}: a Keras weights file (keras3-weights-h5) holds no model config to run; the .keras or full-model .h5 file has one; its normalization layers can still be listed`],
    ['an input in the wrong layout', [MODEL, '--input', at('nchw.npy')], `${MODEL}: input 'image' must have shape [?,12,12,3], ${at('nchw.npy')} gives [5,3,12,12]`],
    ['an input .npz without the model\'s input name', [MODEL, '--input', join(KERAS, 'keras_convbn_io.npz')],
      `${MODEL}: the model needs input(s) 'image'; given 'input', 'output', 'bn_out/bn1', 'bn_out/bn2', 'bn_out/bn3_nocenter', 'bn_in/bn1', 'bn_in/bn2', 'bn_in/bn3_nocenter'`],
    ['an input that is not an array', [MODEL, '--input', at('text.npy')], `${at('text.npy')}: not a NumPy .npy array or .npz archive`],
    ['a missing input', [MODEL, '--input', at('missing.npy')], `${at('missing.npy')}: no such file or folder`],
    ['a missing --input', [MODEL], 'forward needs --input DATA (a folder of images, an image, X.npy/X.npz, input_0.pb or X.csv) (try bnlens --help)'],
    ['an unknown mode', [MODEL, '--input', at('x.npy'), '--mode', 'test'], "--mode is eval or train, not 'test' (try bnlens --help)"],
  ])('%s', async (_what, args, message) => {
    expect(await bnlens('forward', ...args)).toEqual({ code: 2, out: '', err: `bnlens: ${message}\n` });
  });
});

describe('bnlens run', () => {
  it('is not an alias: a usage error that names bnlens forward', async () => {
    const { code, out, err } = await bnlens('run', MODEL, '--input', at('x.npy'));
    expect([code, out]).toEqual([2, '']);
    expect(err).toBe("bnlens: 'bnlens run' is now 'bnlens forward FILE --input DATA …' (try bnlens --help)\n");
    expect(err.trimEnd().split('\n')).toHaveLength(1);
  });
});
