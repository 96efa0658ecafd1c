import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readModel, readTensorBoardRun } from '../../../src/formats/read';
import { TensorBoardError } from '../../../src/formats/errors';
import { crc32c, maskedCrc32c } from '../../../src/formats/tensorboard/crc32c';
import type { HistogramPoint, ModelDescription, ScalarPoint } from '../../../src/formats/model';
import { OWN, FRAMEWORKS, fuzz, memorySource, readNpz, sourceOf } from './helpers';

const TORCH_RUN = join(FRAMEWORKS, 'tensorboard', 'torch-histograms');
const TORCH_EVENTS = join(TORCH_RUN, 'events.out.tfevents.1795477187.vm.18004.0');
const OWN_TB = join(OWN, 'tensorboard');
const read = (path: string): Promise<ModelDescription> => readModel(sourceOf(path));

/** numpy's float64 add.reduce: the first element, plus numpy's pairwise sum of the rest. */
function numpySum(a: readonly number[]): number {
  const pairwise = (start: number, n: number): number => {
    if (n < 8) {
      let s = 0;
      for (let i = 0; i < n; i++) s += a[start + i];
      return s;
    }
    if (n <= 128) {
      const r = a.slice(start, start + 8);
      let i = 8;
      for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[start + i + j];
      let s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
      for (; i < n; i++) s += a[start + i];
      return s;
    }
    let n2 = Math.floor(n / 2);
    n2 -= n2 % 8;
    return pairwise(start, n2) + pairwise(start + n2, n - n2);
  };
  return a.length === 0 ? 0 : a[0] + pairwise(1, a.length - 1);
}

describe('CRC32C', () => {
  it('matches the standard check value and TFRecord masking', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    // masked = rotr15(crc) + 0xa282ead8 (mod 2^32)
    const crc = crc32c(new Uint8Array(8));
    expect(maskedCrc32c(new Uint8Array(8))).toBe((((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0);
  });
});

describe('PyTorch SummaryWriter histograms (classic HistogramProto)', () => {
  it('reads the loss scalars and all 39 histograms', async () => {
    const model = await read(TORCH_EVENTS);
    expect(model).toMatchObject({ format: 'tensorboard', producer: 'brain.Event:2', incomplete: false, normLayers: [] });
    expect(model.scalars!.map((s) => [s.tag, s.step])).toEqual([['loss', 0], ['loss', 1], ['loss', 2]]);
    expect(model.histograms).toHaveLength(39);
  });

  it('counts, sums and edges agree exactly with the raw values behind every histogram', async () => {
    const raw = readNpz(join(TORCH_RUN, 'raw_values.npz'));
    const model = await read(TORCH_EVENTS);
    for (const h of model.histograms!) {
      const key = h.tag.startsWith('fixed/') ? 'fixed/linspace' : `step${h.step}/${h.tag}`;
      const values = h.tag === 'fixed/constant_value' ? new Array<number>(10).fill(2.5) : raw.get(key)!.data;
      expect(values, key).toBeDefined();
      const label = `${h.tag} step ${h.step}`;
      expect(h.num, label).toBe(values.length);
      expect(h.min, label).toBe(Math.min(...values));
      expect(h.max, label).toBe(Math.max(...values));
      expect(h.sum, label).toBe(numpySum(values));
      // values.dot(values) runs in BLAS, whose summation order is its own.
      const squares = values.reduce((s, v) => s + v * v, 0);
      expect(Math.abs(h.sumSquares! - squares) / squares, label).toBeLessThan(1e-12);
      expect(h.edges.length, label).toBe(h.counts.length + 1);
      for (let i = 1; i < h.edges.length; i++) expect(h.edges[i], label).toBeGreaterThanOrEqual(h.edges[i - 1]);
      // Bucket i holds the values in [edges[i], edges[i+1]), the last one also its right edge.
      const last = h.counts.length - 1;
      const counted = h.counts.map((_, i) => values.filter((v) => v >= h.edges[i] && (v < h.edges[i + 1] || (i === last && v <= h.edges[i + 1]))).length);
      expect(counted, label).toEqual(h.counts);
    }
  });
});

describe('TensorFlow 2 summaries (tensor scalars and [k,3] histograms)', () => {
  const expected = (name: string): { scalars: Omit<ScalarPoint, 'wallTime'>[]; histograms: Omit<HistogramPoint, 'wallTime'>[] } =>
    JSON.parse(readFileSync(join(OWN_TB, name), 'utf8'));
  const strip = <T extends { wallTime: number }>(list: readonly T[]): Omit<T, 'wallTime'>[] => list.map(({ wallTime: _, ...rest }) => rest);

  it('reads float_val/tensor_content scalars and histogram tensors', async () => {
    const model = await read(join(OWN_TB, 'events.out.tfevents.1700000000.tf2.1.v2'));
    const want = expected('expected_tf2.json');
    expect(strip(model.scalars!)).toEqual(want.scalars);
    expect(strip(model.histograms!)).toEqual(want.histograms);
    expect(model.scalars![0].wallTime).toBe(1700000000);
  });

  it('reads a run folder of several files in name order', async () => {
    const dir = join(OWN_TB, 'run');
    const model = await readTensorBoardRun({ name: dir, list: async () => readdirSync(dir), read: async (f) => new Uint8Array(readFileSync(join(dir, f))) });
    const want = expected('expected_run.json');
    expect(model.variant).toBe('tfevents-run');
    expect(strip(model.scalars!)).toEqual(want.scalars);
    expect(strip(model.histograms!)).toEqual(want.histograms);
    expect(model.notes).toEqual(['A run of 2 event file(s): events.out.tfevents.1700000100.tf2.1.v2, events.out.tfevents.1700000200.tf2.1.v2.']);
  });

  it('a half-written last record is reported as incomplete, with what was read before it', async () => {
    const model = await read(join(OWN_TB, 'events.out.tfevents.1700000300.partial.v2'));
    expect(model.incomplete).toBe(true);
    expect(model.scalars).toHaveLength(4);
    expect(model.histograms).toHaveLength(1);
    expect(model.notes).toEqual(['The last record is only partly written (TensorBoard may still be writing): everything before it was read.']);
  });

  it('every cut of a valid file reads as incomplete (or complete at a record boundary), never as damage', async () => {
    const bytes = new Uint8Array(readFileSync(join(OWN_TB, 'events.out.tfevents.1700000000.tf2.1.v2')));
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const boundaries = new Set<number>();
    for (let at = 0; at < bytes.length; at += 16 + Number(view.getBigUint64(at, true))) boundaries.add(at);
    expect(boundaries.size).toBe(5);
    for (let n = 12; n < bytes.length; n++) {
      const model = await readModel(memorySource('events.out.tfevents.cut', bytes.subarray(0, n)));
      expect(model.incomplete, `cut at ${n}`).toBe(!boundaries.has(n));
    }
  });
});

describe('damaged event files', () => {
  const table: [string, string][] = [
    ['events.out.tfevents.1700000400.crc.v2', 'the data checksum of a 87-byte record is 0x7a559893, expected 0x03457279: the file is damaged (record 1 at byte 40)'],
    ['events.out.tfevents.1700000500.length.v2', "the length field's checksum is 0x224b7fa3, expected 0x8c2f8ba2: the file is damaged (record 0 at byte 0)"],
  ];
  it.each(table)('%s', async (name, problem) => {
    const error = await readModel(memorySource(name, new Uint8Array(readFileSync(join(OWN_TB, 'bad', name))))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TensorBoardError);
    expect((error as Error).message).toBe(`${name}: ${problem}`);
  });

  it('fuzzing gives only TensorBoardErrors', async () => {
    const bytes = new Uint8Array(readFileSync(join(OWN_TB, 'events.out.tfevents.1700000000.tf2.1.v2')));
    const { failed } = await fuzz((b) => readModel(memorySource('events.out.tfevents.fuzz', b)), bytes, 29);
    expect(failed).toBeGreaterThan(0);
  });
});
