// Whole models through the engine's imported Model against ONNX Runtime on the same ONNX bytes:
//   - a full-width ResNet-50 (random weights, bench/resnet50-onnx.ts), 224×224, batch 8;
//   - MobileNetV2 (torchvision's at ¼ width, test/fixtures/onnx-real/mobilenet_v2.ts13.onnx, its input
//     declared 224×224 here), 224×224, batch 8.
// Inference: our Model in eval mode (importOnnx, as `bnlens forward` and the probe import it) through
// Model.infer (no-grad: each Conv → BatchNorm → Add → ReLU chain is one kernel call with an epilogue,
// the BatchNorm applied as its own per-channel map, not folded into the weights), ONNX Runtime with
// every graph optimization (it folds BN into the convolutions and fuses the same chains). Ours on the WebAssembly kernels at 1 and 2 threads against ONNX Runtime at
// the same thread count; the outputs are compared once (relative to the logits' largest magnitude).
import * as ort from 'onnxruntime-node';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { interleaved, report } from './harness';
import { kernelLabel, useOurKernels } from './kernels';
import { ortSession, randomFloats } from './peers';
import { buildResNet50, withInputSize } from './resnet50-onnx';
import { importOnnx } from '../src/analysis/import/onnx';
import { readModel } from '../src/formats/read';
import { Tensor } from '../src/engine/tensor';

const BATCH = 8;
const SIZE = 224;

async function benchModel(name: string, bytes: Uint8Array, rounds: number, extra: Record<string, string | number>): Promise<void> {
  const description = await readModel({ name: `${name}.onnx`, bytes, readSibling: async () => null });
  const { model } = importOnnx(description);
  model.eval();
  const dims = [BATCH, 3, SIZE, SIZE];
  const data = randomFloats(BATCH * 3 * SIZE * SIZE, 11);
  const x = new Tensor(data, dims);
  for (const threads of [1, 2]) {
    const label = kernelLabel(await useOurKernels('wasm', threads));
    const session = await ortSession(bytes, threads);
    let ours: Tensor | undefined;
    let peer: ort.Tensor | undefined;
    const contenders = {
      ours: () => {
        ours = model.infer(x);
      },
      peer: async () => {
        const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', data, dims) });
        peer = out[session.outputNames[0]];
      },
    };
    // One warm-up call each, then alternating rounds of one call: load that drifts during the run
    // weighs on both alike.
    await contenders.ours();
    await contenders.peer();
    const times = await interleaved(contenders, rounds, { warmup: 0, repeats: 1 });
    const [oursMs, peerMs] = [times.ours, times.peer];
    await session.release();
    const expected = (peer as ort.Tensor).data as Float32Array;
    const actual = (ours as Tensor).data;
    let scale = 0;
    let worst = 0;
    for (let i = 0; i < expected.length; i++) {
      scale = Math.max(scale, Math.abs(expected[i]));
      worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    }
    if (actual.length !== expected.length || !(worst <= 1e-3 * scale)) {
      throw new Error(`${name}: our output differs from ONNX Runtime's by ${worst} (scale ${scale})`);
    }
    report({
      name: `${name}-forward-b${BATCH}-${SIZE}-${threads}t`, oursMs, peer: `onnxruntime-node×${threads}`, peerMs,
      extra: { ...extra, kernels: label, maxRelDiff: (worst / (scale || 1)).toExponential(1) },
    });
  }
}

async function main(): Promise<void> {
  const resnet = buildResNet50(SIZE);
  await benchModel('resnet50', resnet.bytes, 5, { params: `${(resnet.parameters / 1e6).toFixed(1)}M`, gflopPerImage: 4.1 });
  const mobilenet = withInputSize(new Uint8Array(readFileSync(join('test', 'fixtures', 'onnx-real', 'mobilenet_v2.ts13.onnx'))), SIZE);
  await benchModel('mobilenetv2-w0.25', mobilenet, 9, { model: 'torchvision mobilenet_v2(width_mult=0.25) export' });
  await useOurKernels('js');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
