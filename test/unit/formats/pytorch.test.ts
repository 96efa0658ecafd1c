import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readModel } from '../../../src/formats/read';
import { PyTorchError } from '../../../src/formats/errors';
import { OWN, f32, fuzz, memorySource, sourceOf, values } from './helpers';

const DIR = join(OWN, 'pytorch');
const stateDict = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<string, { shape: number[]; values: number[] }>;
const BN_LAYERS = ['bn2d', 'bn_noaffine', 'bn_nostats', 'bn_cma', 'bn1d', 'head.1'];

describe('PyTorch', () => {
  it.each([
    ['state_dict_zip.pt', 'pytorch-zip', null],
    ['state_dict_legacy.pt', 'pytorch-legacy', null],
    ['checkpoint.pth', 'pytorch-zip', 'model_state_dict'],
    ['checkpoint_state_dict_legacy.pth', 'pytorch-legacy', 'state_dict'],
  ])('%s gives the whole state dict, values exact', async (name, variant, key) => {
    const model = await readModel(sourceOf(join(DIR, name)));
    expect(model).toMatchObject({ format: 'pytorch', variant });
    expect(model.tensors.map((t) => t.name)).toEqual(Object.keys(stateDict));
    for (const t of model.tensors) {
      expect(t.shape).toEqual(stateDict[t.name].shape);
      expect([...t.values()]).toEqual(t.dtype === 'int64' ? stateDict[t.name].values : f32(stateDict[t.name].values));
    }
    expect(model.normLayers.map((l) => l.name)).toEqual(BN_LAYERS);
    if (key) expect(model.notes[0]).toBe(`A checkpoint: the weights are its '${key}' entry; other entries (optimizer state, epoch, …) are not shown.`);
  });

  it('BatchNorm1d and 2d, affine=False, track_running_stats=False, momentum=None', async () => {
    const model = await readModel(sourceOf(join(DIR, 'state_dict_zip.pt')));
    const byName = Object.fromEntries(model.normLayers.map((l) => [l.name, l]));
    for (const l of model.normLayers) expect(l).toMatchObject({ kind: 'BatchNorm', momentum: null, momentumConvention: 'pytorch', epsilon: null, training: null });
    expect(byName.bn2d).toMatchObject({ channels: 3, affine: true, center: true, scale: true, numBatchesTracked: 3 });
    expect(values(byName.bn2d.gamma)).toEqual(f32(stateDict['bn2d.weight'].values));
    expect(values(byName.bn2d.runningMean)).toEqual(f32(stateDict['bn2d.running_mean'].values));
    expect(byName.bn_noaffine).toMatchObject({ affine: false, gamma: null, beta: null, numBatchesTracked: 3 });
    expect(values(byName.bn_noaffine.runningVar)).toEqual(f32(stateDict['bn_noaffine.running_var'].values));
    expect(byName.bn_nostats).toMatchObject({ runningMean: null, runningVar: null, numBatchesTracked: null, affine: true });
    expect(byName.bn_cma).toMatchObject({ numBatchesTracked: 3, momentum: null });
    expect(byName.bn1d).toMatchObject({ channels: 4 });
    expect(values(byName['head.1'].beta)).toEqual(f32(stateDict['head.1.bias'].values));
  });

  const table: [string, string][] = [
    ['os_system.pt', "os_system.pt: the file refers to the Python global 'os.system', which is not allowed: BN Lens reads weights only, as torch.load(weights_only=True) does; save the model's state_dict() instead of the whole model (pickle opcode at byte 13) (legacy header: magic number)"],
    ['whole_module.pt', "whole_module.pt: the file refers to the Python global 'torch.nn.modules.batchnorm.BatchNorm2d', which is not allowed: BN Lens reads weights only, as torch.load(weights_only=True) does; save the model's state_dict() instead of the whole model (pickle opcode at byte 42) (whole_module/data.pkl)"],
    ['truncated_zip.pt', 'truncated_zip.pt: not a complete zip archive: no end-of-central-directory record (the file may be truncated) (end of file)'],
  ];
  it.each(table)('bad file %s', async (name, message) => {
    const error = await readModel(memorySource(name, new Uint8Array(readFileSync(join(DIR, 'bad', name))))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PyTorchError);
    expect((error as Error).message).toBe(message);
  });

  it('a plain pickle that is not torch.save output is named as such', async () => {
    // pickle.dumps({'a': 1}, protocol=2)
    const bytes = Uint8Array.from([0x80, 0x02, 0x7d, 0x71, 0x00, 0x58, 0x01, 0, 0, 0, 0x61, 0x71, 0x01, 0x4b, 0x01, 0x73, 0x2e]);
    const error = await readModel(memorySource('plain.pkl', bytes)).catch((e: unknown) => e);
    expect((error as Error).message).toBe("plain.pkl: a pickle whose first value is dict, not PyTorch's magic number 0x1950a86a20f9469cfc6c: not a file written by torch.save (byte 0)");
  });

  it.each(['state_dict_zip.pt', 'state_dict_legacy.pt', 'checkpoint.pth'])('fuzzing %s gives only PyTorchErrors', async (name) => {
    const bytes = new Uint8Array(readFileSync(join(DIR, name)));
    const { failed } = await fuzz((b) => readModel(memorySource(`fuzz/${name}`, b)), bytes, 13);
    expect(failed).toBeGreaterThan(0);
  });
});
