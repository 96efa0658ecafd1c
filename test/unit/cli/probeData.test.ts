// `bnlens forward` and `bnlens recalibrate` on real data: a folder of PNG/JPEG images, an ONNX test data set, a
// CSV — against ONNX Runtime and torch.optim.swa_utils.update_bn (test/fixtures/probe-data, made by
// make_probe_data_fixtures.py).
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/cli';
import { readNpy } from '../../../src/formats/npy';
import { readModel } from '../../../src/formats/read';
import { readTensorProto } from '../../../src/formats/onnx/tensor';
import { DATA, GOLDEN, IMAGES, golden, goldenJson, maxAbsDiff } from '../analysis/inputs/fixtures';

const MOBILENET = join(DATA, 'mobilenet_v2_w025.onnx');
const TABULAR = join(DATA, 'tabular_mlp.onnx');

async function bnlens(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (t) => { out += `${t}\n`; }, err: (t) => { err += `${t}\n`; } });
  return { code, out, err };
}

const scaleOf = (a: ArrayLike<number>): number => Math.max(...Array.from(a, Math.abs));
let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'bnlens-data-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bnlens forward with images, ONNX test data and a CSV', () => {
  it('MobileNetV2 on its ONNX test data set gives ONNX Runtime\'s output_0.pb', async () => {
    const { code, out, err } = await bnlens('forward', MOBILENET, '--input', join(DATA, 'test_data_set_0'), '--out', join(dir, 'tds'));
    expect([code, err]).toEqual([0, '']);
    expect(out).toContain(`data: ${join(DATA, 'test_data_set_0', 'input_0.pb')}`);
    const want = readTensorProto('output_0.pb', new Uint8Array(readFileSync(join(DATA, 'test_data_set_0/output_0.pb'))));
    const got = readNpy('logits', new Uint8Array(readFileSync(join(dir, 'tds/outputs/logits.npy'))));
    expect(got.shape).toEqual(want.shape);
    expect(maxAbsDiff(got.data, want.values())).toBeLessThan(1e-4 * scaleOf(want.values()));
  });
  it('MobileNetV2 on the image folder: a forward pass through every BatchNorm layer, and the PNG rows match ONNX Runtime on torchvision\'s preprocessing', async () => {
    const { code, out, err } = await bnlens('forward', MOBILENET, '--input', IMAGES, '--preset', 'imagenet', '--resize', '72', '--out', join(dir, 'img'), '--json');
    expect([code, err]).toEqual([0, '']);
    const doc = JSON.parse(out) as { inputs: { shape: number[] }[]; layers: { kind: string; post: { std: number } }[] };
    expect(doc.inputs[0].shape).toEqual([7, 3, 64, 64]);
    expect(doc.layers.filter((l) => l.kind === 'BatchNorm')).toHaveLength(52);
    const want = golden('mobilenet_logits_r72_c64_imagenet.npy'); // [7, 10], from PIL-decoded pixels
    const got = readNpy('logits', new Uint8Array(readFileSync(join(dir, 'img/outputs/logits.npy'))));
    // Rows 0–3 are the PNG files (pngjs gives PIL's pixels); the JPEG rows differ by the decoders' rounding.
    const png = 4 * 10;
    expect(maxAbsDiff(got.data.subarray(0, png), want.data.subarray(0, png))).toBeLessThan(1e-4 * scaleOf(want.data));
  });
  it('a tabular MLP on a CSV gives ONNX Runtime\'s scores', async () => {
    const { code, out } = await bnlens('forward', TABULAR, '--input', join(DATA, 'tabular.csv'), '--out', join(dir, 'tab'));
    expect(code).toBe(0);
    expect(out.split('\n')[1]).toBe("input 'features' [10,5]; output 'scores' [10,3]");
    const want = readNpy('scores', new Uint8Array(readFileSync(join(GOLDEN, 'tabular_scores.npy'))));
    const got = readNpy('scores', new Uint8Array(readFileSync(join(dir, 'tab/outputs/scores.npy'))));
    expect(maxAbsDiff(got.data, want.data)).toBeLessThan(1e-5);
  });
  it('says what is wrong with the data or the flags', async () => {
    const cases: [string[], string][] = [
      [[TABULAR, '--input', IMAGES], `bnlens: ${TABULAR}: the model's input has shape [?, 5], not an image batch [N, C, H, W] or [N, H, W, C]\n`],
      [[MOBILENET, '--input', join(DATA, 'tabular.csv')], `bnlens: ${join(DATA, 'tabular.csv')}: the model's input has shape [?, 3, 64, 64]; a CSV gives a [samples, features] table, for models whose input is [N, features]\n`],
      [[MOBILENET, '--input', IMAGES, '--resize', '32'], 'bnlens: preprocessing: resizing the shorter side to 32 leaves too little for the 64 × 64 crop the model takes; resize to at least 64\n'],
      [[MOBILENET, '--input', IMAGES, '--scale', '2'], "bnlens: --scale is 1 or 255, not '2' (try bnlens --help)\n"],
      [[MOBILENET, '--input', IMAGES, '--preset', 'imagenet', '--mean', '0'], 'bnlens: --preset imagenet sets the mean and std; give either it or --mean/--std (try bnlens --help)\n'],
      [[MOBILENET, '--input', IMAGES, '--mean', '0,0,0'], 'bnlens: give both --mean and --std (try bnlens --help)\n'],
      [[MOBILENET, '--input', IMAGES, '--layout', 'chw'], "bnlens: --layout is nchw or nhwc, not 'chw' (try bnlens --help)\n"],
      [[MOBILENET, '--input', DATA], `bnlens: ${DATA}: the folder holds ONNX test data sets (test_data_set_0); choose one of them\n`],
      [[MOBILENET, '--input', GOLDEN], `bnlens: ${GOLDEN}: the folder has no PNG or JPEG images and no ONNX test data (input_0.pb)\n`],
    ];
    for (const [args, message] of cases) expect(await bnlens('forward', ...args), args.join(' ')).toMatchObject({ code: 2, err: message });
  });
});

describe('bnlens recalibrate', () => {
  it('writes NAME.recalibrated.onnx beside the model with torch update_bn\'s statistics, leaving the model as it was', async () => {
    const model = join(dir, 'tabular_mlp.onnx');
    copyFileSync(TABULAR, model);
    const before = readFileSync(model);
    const { code, out, err } = await bnlens('recalibrate', model, '--input', join(DATA, 'tabular.csv'), '--batch-size', '4');
    expect([code, err]).toEqual([0, '']);
    expect(out).toContain('recalibrated 1 BatchNorm layer(s) from 10 samples in 3 batches of');
    expect(out).toContain(`Wrote ${join(dir, 'tabular_mlp.recalibrated.onnx')} (the model itself is unchanged).`);
    expect(readFileSync(model).equals(before)).toBe(true);
    const written = await readModel({ name: 'r.onnx', bytes: new Uint8Array(readFileSync(join(dir, 'tabular_mlp.recalibrated.onnx'))), readSibling: async () => null });
    const want = goldenJson<{ mean: number[]; var: number[] }>('tabular_update_bn.json');
    const bn = written.normLayers[0];
    expect(maxAbsDiff(bn.runningMean!.values(), want.mean)).toBeLessThan(1e-5);
    expect(maxAbsDiff(bn.runningVar!.values(), want.var)).toBeLessThan(1e-5);
  });
  it('--json and --out: before and after per layer, written where asked', async () => {
    const target = join(dir, 'mnv2-new.onnx');
    const { code, out } = await bnlens('recalibrate', MOBILENET, '--input', IMAGES, '--preset', 'imagenet', '--resize', '72', '--batch-size', '4', '--out', target, '--json');
    expect(code).toBe(0);
    const doc = JSON.parse(out) as { batches: number; samples: number; variance: string; written: string; layers: { before: { mean: number[] }; after: { mean: number[] } }[] };
    // 7 images in batches of 4: 4 + 3.
    expect(doc).toMatchObject({ batches: 2, samples: 7, variance: 'unbiased', written: target });
    expect(doc.layers).toHaveLength(52);
    expect(existsSync(target)).toBe(true);
    expect(doc.layers.some((l) => maxAbsDiff(l.before.mean, l.after.mean) > 1e-3)).toBe(true);
  });
  it('never writes over the model, and writes only ONNX', async () => {
    const model = join(dir, 'self.onnx');
    copyFileSync(TABULAR, model);
    expect(await bnlens('recalibrate', model, '--input', join(DATA, 'tabular.csv'), '--out', model)).toMatchObject({
      code: 2, err: `bnlens: ${model}: --out ${model} is the model itself; BN Lens writes the recalibrated copy to a new file and never changes the model\n`,
    });
    expect(await bnlens('recalibrate', TABULAR, '--input', join(DATA, 'tabular.csv'), '--batch-size', '1')).toMatchObject({ code: 2, err: "bnlens: --batch-size is a whole number of at least 2, not '1' (try bnlens --help)\n" });
  });
});
