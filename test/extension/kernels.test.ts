// The engine's kernels inside the real extension host: a probe of the sample model runs in the probe
// worker the extension ships (dist/probeWorker.js) on the WebAssembly SIMD kernels it ships
// (dist/kernels-*.wasm), chosen as the inspector's probe chooses them (bnlens.engine.kernels), and the
// setting set to "js" forces the JavaScript kernels.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { startProbe } from '../../src/analysis/worker/probeClient';
import { kernelSetup } from '../../src/extension/settings';
import { EXTENSION_ID } from './util';

async function probeSample(ext: vscode.Extension<unknown>): Promise<{ name: string; threads: number; note?: string } | undefined> {
  const model = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(ext.extensionUri, 'media', 'walkthrough', 'cnn-bn.onnx'));
  const worker = vscode.Uri.joinPath(ext.extensionUri, 'dist', 'probeWorker.js').fsPath;
  const kernels = await kernelSetup(ext.extensionUri);
  const result = await startProbe(worker, { file: 'cnn-bn.onnx', bytes: model, batchSize: 4, seed: 0, bins: 16, kernels }, async () => null).result;
  assert.equal(result.layers.length, 3);
  return result.kernels;
}

suite('Engine kernels', () => {
  test('a probe runs on the shipped WebAssembly SIMD kernels by default (bnlens.engine.kernels: auto)', async function () {
    this.timeout(120_000);
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not loaded`);
    assert.equal(vscode.workspace.getConfiguration('bnlens').get('engine.kernels'), 'auto');
    const kernels = await probeSample(ext);
    assert.match(kernels?.name ?? 'none', /^wasm-(relaxed-)?simd$/, `the probe ran on ${JSON.stringify(kernels)}`);
    console.log(`[kernels] probe in the extension host ran on ${kernels?.name} with ${kernels?.threads} thread(s)`);
  });

  test('bnlens.engine.kernels "js" forces the JavaScript kernels', async function () {
    this.timeout(120_000);
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    const config = vscode.workspace.getConfiguration('bnlens');
    await config.update('engine.kernels', 'js', vscode.ConfigurationTarget.Global);
    try {
      assert.deepEqual(await probeSample(ext), { name: 'js', threads: 1 });
    } finally {
      await config.update('engine.kernels', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
