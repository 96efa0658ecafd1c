// Sound files that hold no model (an HDF5 file of data, a torch.save of metadata) are told apart from
// damaged ones: the inspector shows what they are and offers VS Code's own editor instead of an error.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../src/formats/errors';
import { readModel } from '../../../src/formats/read';
import { OWN, sourceOf } from './helpers';

async function failure(relative: string): Promise<FormatError> {
  const file = join(OWN, relative);
  const error = await readModel(sourceOf(file, new Uint8Array(readFileSync(file)))).then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(FormatError);
  return error as FormatError;
}

describe('files that are not models', () => {
  it.each([
    ['keras/bad/not_keras.h5', 'an HDF5 file, but not a Keras model or weights file: it has no model_config, layer_names or layers group'],
    ['pytorch/no_tensors.pt', "no state dict found: the file holds a dict with keys 'epoch', 'best_accuracy', 'classes' and none of them (state_dict, model_state_dict, model, net, network, module, model_ema, ema) holds tensors"],
  ])('%s says what it is', async (relative, problem) => {
    const error = await failure(relative);
    expect(error.notAModel).toBe(true);
    expect(error.problem).toBe(problem);
  });

  it.each(['keras/bad/truncated.h5', 'pytorch/bad/truncated_zip.pt', 'pytorch/bad/whole_module.pt'])('%s is damaged or refused, not "not a model"', async (relative) => {
    expect((await failure(relative)).notAModel).toBe(false);
  });
});
