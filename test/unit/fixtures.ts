// Where the unit tests' fixtures live: everything is inside the repository, under test/fixtures/.
// test/fixtures/frameworks/ holds files written by the frameworks themselves (ONNX's node tests,
// Keras, TF.js, PyTorch's SummaryWriter, reference numbers); its README says where each came from.

import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const FRAMEWORK_FIXTURES = path.resolve(REPO_ROOT, 'test/fixtures/frameworks');

export function frameworkFixture(...parts: string[]): string {
  return path.join(FRAMEWORK_FIXTURES, ...parts);
}
