// readModel: detects a file's format (./detect) and hands it to that format's reader. The one entry
// point the extension and the CLI call.

import type { ModelDescription } from './model';
import type { ModelSource } from './source';
import { FormatError } from './errors';
import { detectFormat, EXPECTED_FORMATS, formatFromName } from './detect';
import { hexHead } from './tensor';
import { readOnnx } from './onnx/reader';
import { readSafetensors } from './safetensors/reader';
import { readPyTorch } from './pytorch/reader';
import { isKerasArchitecture, readKerasH5, readKerasJson, readKerasZip } from './keras/reader';
import { isTfjsModelJson, isWeightsManifest, readTfjsManifest, readTfjsModel } from './tfjs/reader';
import { readTensorBoard } from './tensorboard/reader';

export { readTensorBoardRun, type RunFolder } from './tensorboard/reader';

export type { ModelSource } from './source';

export async function readModel(source: ModelSource): Promise<ModelDescription> {
  const detected = detectFormat(source.name, source.bytes);
  switch (detected?.format) {
    case 'onnx': return readOnnx(source);
    case 'safetensors': return readSafetensors(source);
    case 'pytorch-zip': case 'pytorch-pickle': return readPyTorch(source);
    case 'keras-zip': return readKerasZip(source, detected.zip);
    case 'hdf5': return readKerasH5(source);
    case 'tensorboard': return readTensorBoard(source);
    case 'json':
      if (isTfjsModelJson(detected.json)) return readTfjsModel(source, detected.json);
      if (isWeightsManifest(detected.json)) return readTfjsManifest(source, detected.json);
      if (isKerasArchitecture(detected.json)) return readKerasJson(source, detected.json);
      throw new FormatError('unknown', source.name, 'a JSON file, but neither a TF.js model.json (modelTopology/weightsManifest), a TF.js weights manifest nor a Keras model architecture', 'JSON');
    default: break;
  }
  // The bytes match no format: a damaged file whose name tells its format gets that reader's own
  // account of what is wrong.
  switch (formatFromName(source.name)) {
    case 'onnx': return readOnnx(source);
    case 'safetensors': return readSafetensors(source);
    case 'pytorch': return readPyTorch(source);
    case 'keras': return readKerasH5(source);
    case 'tensorboard': return readTensorBoard(source);
    default: break;
  }
  throw new FormatError('unknown', source.name, `not a model file BN Lens can read (expected ${EXPECTED_FORMATS}); it starts with ${hexHead(source.bytes)}`, 'byte 0');
}
