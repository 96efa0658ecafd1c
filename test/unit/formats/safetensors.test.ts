import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readModel } from '../../../src/formats/read';
import { SafetensorsError } from '../../../src/formats/errors';
import { OWN, f32, fuzz, memorySource, sourceOf, values } from './helpers';

const DIR = join(OWN, 'safetensors');
const stateDict = JSON.parse(readFileSync(join(OWN, 'pytorch', 'expected.json'), 'utf8')) as Record<string, { shape: number[]; values: number[] }>;
const mixed = JSON.parse(readFileSync(join(DIR, 'expected_mixed.json'), 'utf8')) as Record<string, number[]>;

describe('safetensors', () => {
  it('reads a PyTorch state dict with its metadata', async () => {
    const model = await readModel(sourceOf(join(DIR, 'state_dict.safetensors')));
    expect(model).toMatchObject({ format: 'safetensors', variant: 'safetensors', producer: 'safetensors (format "pt")', graph: null });
    expect(model.tensors.map((t) => t.name)).toEqual(Object.keys(stateDict));
    for (const tensor of model.tensors) {
      expect(tensor.shape).toEqual(stateDict[tensor.name].shape);
      expect([...tensor.values()]).toEqual(tensor.dtype === 'int64' ? stateDict[tensor.name].values : f32(stateDict[tensor.name].values));
    }
    expect(model.normLayers.map((l) => l.name)).toEqual(['bn2d', 'bn_noaffine', 'bn_nostats', 'bn_cma', 'bn1d', 'head.1']);
    const bn2d = model.normLayers[0];
    expect(bn2d).toMatchObject({ kind: 'BatchNorm', channels: 3, epsilon: null, momentum: null, momentumConvention: 'pytorch', affine: true, numBatchesTracked: 3 });
    expect(values(bn2d.runningVar)).toEqual(f32(stateDict['bn2d.running_var'].values));
    expect(model.normLayers[1]).toMatchObject({ affine: false, gamma: null, beta: null, channels: 3 });
    expect(model.normLayers[2]).toMatchObject({ runningMean: null, affine: true });
    expect(model.notes).toContain('bn_nostats: taken for BatchNorm from its name alone (it has a scale and a bias but no running statistics).');
  });

  it('decodes F16, BF16 and F64, and groups Keras-style names', async () => {
    const model = await readModel(sourceOf(join(DIR, 'mixed_dtypes.safetensors')));
    expect(model.tensors.map((t) => t.dtype)).toEqual(['float16', 'bfloat16', 'float64', 'float16', 'float32', 'float32', 'float32', 'float32']);
    for (const tensor of model.tensors) expect([...tensor.values()]).toEqual(mixed[tensor.name]);
    expect(model.tensors[2].values()).toBeInstanceOf(Float64Array);
    expect(model.normLayers.map((l) => [l.name, l.momentumConvention])).toEqual([['bn_half', 'pytorch'], ['keras_bn', 'keras']]);
  });

  const table: [string, string][] = [
    ['header_too_big.safetensors', "the header size 200000000 is over the format's limit of 100000000 bytes (byte 0)"],
    ['header_past_end.safetensors', 'the header size 1000 runs past the end of the file (15 bytes) (byte 0)'],
    ['not_json.safetensors', 'the header is not JSON that BN Lens reads: it does not parse (syntax error) (header)'],
    ['bad_dtype.safetensors', "tensor 'a' has dtype \"F8_E4M3\"; expected one of F16, BF16, F32, F64, I8, U8, I16, U16, I32, U32, I64, U64, BOOL (header['a'])"],
    ['overlap.safetensors', "tensor 'b' begins at data offset 4 but the data before it ends at 8: it overlaps the tensor before it (header['b'].data_offsets)"],
    ['gap.safetensors', "tensor 'a' begins at data offset 4 but the data before it ends at 0: it leaves a gap after the tensor before it (header['a'].data_offsets)"],
    ['size_mismatch.safetensors', "tensor 'a' of shape [3] and dtype F32 needs 12 bytes, data_offsets [0, 8] give 8 (header['a'])"],
    ['short_data.safetensors', 'the tensors cover 8 bytes of data but the file holds 6 after the header (data)'],
    ['truncated.safetensors', 'the header size 112 runs past the end of the file (20 bytes) (byte 0)'],
  ];
  it.each(table)('bad file %s', async (name, problem) => {
    const error = await readModel(memorySource(name, new Uint8Array(readFileSync(join(DIR, 'bad', name))))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SafetensorsError);
    expect((error as Error).message).toBe(`${name}: ${problem}`);
  });

  it('fuzzing gives only SafetensorsErrors', async () => {
    const bytes = new Uint8Array(readFileSync(join(DIR, 'state_dict.safetensors')));
    const { failed } = await fuzz((b) => readModel(memorySource('fuzz.safetensors', b)), bytes, 11);
    expect(failed).toBeGreaterThan(0);
  });
});
