// Builds the workspace folder the VS Code tests open: copies of shared fixtures plus two broken files.
// Fixtures are not committed; they come from shared/, which sits beside the repo (CI clones it that way).
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const sharedDir = resolve(process.env.BNLENS_SHARED || join(repoRoot, '..', 'shared'));
const onnxFixture = join(sharedDir, 'fixtures', 'onnx-node-tests', 'opset15', 'test_batchnorm_example', 'model.onnx');

/** The files the tests open, by name in the workspace. */
export const WORKSPACE_FILES = {
  model: 'model.onnx', // one BatchNormalization node, 3 channels, default epsilon 1e-5
  notAModel: 'not-a-model.onnx', // text, not protobuf
  truncated: 'truncated.onnx', // the first half of model.onnx's bytes
};

export function prepareTestWorkspace(dir) {
  if (!existsSync(onnxFixture)) {
    throw new Error(`fixture not found: ${onnxFixture} (shared/ must sit beside the repo, or set BNLENS_SHARED)`);
  }
  mkdirSync(dir, { recursive: true });
  copyFileSync(onnxFixture, join(dir, WORKSPACE_FILES.model));
  writeFileSync(join(dir, WORKSPACE_FILES.notAModel), 'These are release notes, not a neural network.\nBN Lens should say so instead of crashing.\n');
  const bytes = readFileSync(onnxFixture);
  writeFileSync(join(dir, WORKSPACE_FILES.truncated), bytes.subarray(0, Math.floor(bytes.length / 2)));
  return dir;
}
