// Builds the workspace folder the VS Code tests open: copies of model files in every format BN Lens reads
// (the repo's samples/ and test/fixtures/, including test/fixtures/frameworks/: files the frameworks wrote)
// plus two broken files.
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const frameworks = join(repoRoot, 'test', 'fixtures', 'frameworks');
const onnxFixture = join(frameworks, 'onnx-node-tests', 'opset15', 'test_batchnorm_example', 'model.onnx');

/** The files the tests open, by name in the workspace. */
export const WORKSPACE_FILES = {
  model: 'model.onnx', // one BatchNormalization node, 3 channels, default epsilon 1e-5
  // Text, not protobuf. Named so that Ctrl+P's fuzzy match for "model.onnx" cannot pick it instead.
  notAModel: 'plain-text.onnx',
  truncated: 'truncated.onnx', // the first half of model.onnx's bytes
};

// The PyTorch fixtures' state dict (test/fixtures/pytorch/make_pytorch_fixtures.py): six BatchNorm layers.
const TORCH_LAYERS = [['bn2d', 3], ['bn_noaffine', 3], ['bn_nostats', 3], ['bn_cma', 3], ['bn1d', 4], ['head.1', 4]];
const KERAS_LAYERS = [['bn1', 8], ['bn2', 16], ['bn3_nocenter', 16]]; // test/fixtures/frameworks/models/keras-convbn/manifest.json

/**
 * One model file per format the inspector opens, with what it must show.
 *   file: its path in the workspace; from: where it is copied from (with `also`: files it needs beside it);
 *   viewType: the custom editor it opens in (bnlens.inspector, the default for the binary formats: the tests open
 *   those as a user does, by name, and so check that BN Lens is their default; model.json is text, where BN Lens
 *   is offered as "Reopen Editor With…" only); layers: [name, channels]; findings: [code, layer];
 *   histograms (event files): [tag, number of steps].
 */
export const FORMAT_FILES = [
  { format: 'ONNX', file: 'cnn-bn.onnx', from: join(repoRoot, 'samples', 'cnn-bn.onnx'), viewType: 'bnlens.inspector',
    layers: [['block1.bn', 16], ['block2.bn', 32], ['block3.bn', 64]], findings: [['gamma-near-zero', 'block2.bn']] },
  { format: 'safetensors', file: 'mlp-bn.safetensors', from: join(repoRoot, 'samples', 'mlp-bn.safetensors'), viewType: 'bnlens.inspector',
    layers: [['net.1', 128], ['net.3', 64]] },
  { format: 'Keras (.keras)', file: 'keras_convbn.keras', from: join(frameworks, 'models', 'keras-convbn', 'keras_convbn.keras'),
    viewType: 'bnlens.inspector', layers: KERAS_LAYERS },
  { format: 'Keras (legacy .h5)', file: 'keras_convbn_legacy.h5', from: join(frameworks, 'models', 'keras-convbn', 'keras_convbn_legacy.h5'),
    viewType: 'bnlens.inspector', layers: KERAS_LAYERS },
  { format: 'TF.js (model.json)', file: 'tfjs/model.json', from: join(frameworks, 'models', 'tfjs-convbn', 'model.json'),
    also: ['tfjs_convbn.weights.bin'], viewType: 'bnlens.inspector.optional', layers: [['bn1', 6], ['bn2', 12]] },
  // PyTorch SummaryWriter histograms over steps 0–2 of three BN layers: their weight and running_var, their
  // input and output activations. The inspector shows an event file's summaries, not a layer table.
  { format: 'TensorBoard (events.out.tfevents.*)', file: 'tensorboard/events.out.tfevents.*', from: join(frameworks, 'tensorboard', 'torch-histograms', 'events.out.tfevents.*'),
    viewType: 'bnlens.inspector', layers: [],
    histograms: ['bn1', 'bn2', 'bn3'].flatMap((bn) => [`bn/${bn}/weight`, `bn/${bn}/running_var`, `activations/${bn}/input`, `activations/${bn}/output`].map((tag) => [tag, 3])) },
  { format: 'PyTorch (zip .pt)', file: 'state_dict_zip.pt', from: join(repoRoot, 'test', 'fixtures', 'pytorch', 'state_dict_zip.pt'),
    viewType: 'bnlens.inspector', layers: TORCH_LAYERS },
  { format: 'PyTorch (legacy pickle .pt)', file: 'state_dict_legacy.pt', from: join(repoRoot, 'test', 'fixtures', 'pytorch', 'state_dict_legacy.pt'),
    viewType: 'bnlens.inspector', layers: TORCH_LAYERS },
  { format: 'PyTorch (checkpoint .pth)', file: 'checkpoint.pth', from: join(repoRoot, 'test', 'fixtures', 'pytorch', 'checkpoint.pth'),
    viewType: 'bnlens.inspector', layers: TORCH_LAYERS },
];

/** Sound files that hold no model: BN Lens is the default editor for their extension and shows what they are. */
export const NOT_MODELS = [
  { file: 'not_keras.h5', what: 'HDF5 without a Keras model', from: join(repoRoot, 'test', 'fixtures', 'keras', 'bad', 'not_keras.h5'), says: 'an HDF5 file, but not a Keras model' },
  { file: 'no_tensors.pt', what: 'torch.save of metadata only', from: join(repoRoot, 'test', 'fixtures', 'pytorch', 'no_tensors.pt'), says: 'no state dict found' },
];

/** A `*` in the last part of a path: the one file in that folder that matches (event files carry a timestamp). */
function resolveGlob(path) {
  if (!basename(path).includes('*')) return existsSync(path) ? path : null;
  const dir = dirname(path);
  if (!existsSync(dir)) return null;
  const re = new RegExp(`^${basename(path).split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  const found = readdirSync(dir).filter((n) => re.test(n)).sort();
  return found.length ? join(dir, found[0]) : null;
}

/**
 * FORMAT_FILES with `file` made concrete (an event file's real name), `source` (where it is copied from) and
 * `missing` set where a fixture is absent: the tests report those as failures naming the format rather than
 * skipping them.
 */
export function workspaceFormats() {
  return FORMAT_FILES.map((spec) => {
    const source = resolveGlob(spec.from);
    const file = source && spec.file.includes('*') ? join(dirname(spec.file), basename(source)) : spec.file;
    const absent = [source ? null : spec.from, ...(spec.also ?? []).map((n) => join(dirname(spec.from), n)).filter((p) => !existsSync(p))].filter(Boolean);
    return { ...spec, file, source, missing: absent.length ? `fixture not found: ${absent.join(', ')}` : null };
  });
}

/** Fills `dir` and returns it. Only the ONNX node-test model is required; other absent fixtures are left out. */
export function prepareTestWorkspace(dir) {
  if (!existsSync(onnxFixture)) {
    throw new Error(`fixture not found: ${onnxFixture}`);
  }
  mkdirSync(dir, { recursive: true });
  copyFileSync(onnxFixture, join(dir, WORKSPACE_FILES.model));
  writeFileSync(join(dir, WORKSPACE_FILES.notAModel), 'These are release notes, not a neural network.\nBN Lens should say so instead of crashing.\n');
  const bytes = readFileSync(onnxFixture);
  writeFileSync(join(dir, WORKSPACE_FILES.truncated), bytes.subarray(0, Math.floor(bytes.length / 2)));

  for (const { file, from } of NOT_MODELS) copyFileSync(from, join(dir, file));
  for (const spec of workspaceFormats()) {
    if (spec.missing) continue;
    mkdirSync(join(dir, dirname(spec.file)), { recursive: true });
    copyFileSync(spec.source, join(dir, spec.file));
    for (const n of spec.also ?? []) copyFileSync(join(dirname(spec.source), n), join(dir, dirname(spec.file), n));
  }
  return dir;
}
