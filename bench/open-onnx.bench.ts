// Opening a ResNet-50-sized ONNX model (~100 MB of float32 initializers, 53 Conv + 53 BN) and listing
// its BN layers: readModel against onnx-proto's full ModelProto.decode. The model is generated here
// with onnx-proto's encoder into a temp folder, so the repository ships no large file. Besides time,
// the peak resident memory growth while reading is reported against the file size.
import { onnx } from 'onnx-proto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { medianMs, report } from './harness';
import { readModel } from '../src/formats/read';

/** ResNet-50's stages: [blocks, bottleneck width, output channels]. */
const STAGES: [number, number, number][] = [[3, 64, 256], [4, 128, 512], [6, 256, 1024], [3, 512, 2048]];

function floatTensor(name: string, dims: number[], fill: (i: number) => number): onnx.ITensorProto {
  const n = dims.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = fill(i);
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(values.buffer) };
}

function buildResNet50Like(): Uint8Array {
  const nodes: onnx.INodeProto[] = [];
  const inits: onnx.ITensorProto[] = [];
  let x = 'input';
  let channels = 3;
  let id = 0;
  const convBn = (out: number, k: number, input: string, relu: boolean): string => {
    const i = id++;
    inits.push(floatTensor(`conv${i}.weight`, [out, channels, k, k], (j) => Math.sin(j) * 0.01));
    for (const p of ['scale', 'bias', 'mean', 'var']) {
      inits.push(floatTensor(`bn${i}.${p}`, [out], (j) => (p === 'var' || p === 'scale' ? 1 + j * 1e-3 : j * 1e-3)));
    }
    nodes.push({ name: `conv${i}`, opType: 'Conv', input: [input, `conv${i}.weight`], output: [`c${i}`],
      attribute: [{ name: 'kernel_shape', type: onnx.AttributeProto.AttributeType.INTS, ints: [k, k] }] });
    nodes.push({ name: `bn${i}`, opType: 'BatchNormalization', input: [`c${i}`, `bn${i}.scale`, `bn${i}.bias`, `bn${i}.mean`, `bn${i}.var`], output: [`b${i}`],
      attribute: [{ name: 'epsilon', type: onnx.AttributeProto.AttributeType.FLOAT, f: 1e-5 }] });
    channels = out;
    if (!relu) return `b${i}`;
    nodes.push({ name: `relu${i}`, opType: 'Relu', input: [`b${i}`], output: [`r${i}`] });
    return `r${i}`;
  };
  x = convBn(64, 7, x, true);
  for (const [blocks, width, out] of STAGES) {
    for (let b = 0; b < blocks; b++) {
      const inC = channels;
      const shortcutIn = x;
      let y = convBn(width, 1, x, true);
      y = convBn(width, 3, y, true);
      y = convBn(out, 1, y, false);
      let shortcut = shortcutIn;
      if (b === 0) {
        const saved = channels;
        channels = inC;
        shortcut = convBn(out, 1, shortcutIn, false);
        channels = saved;
      }
      const a = `add${id++}`;
      nodes.push({ name: a, opType: 'Add', input: [y, shortcut], output: [a] });
      nodes.push({ name: `${a}_relu`, opType: 'Relu', input: [a], output: [`${a}_r`] });
      x = `${a}_r`;
    }
  }
  inits.push(floatTensor('fc.weight', [1000, 2048], (j) => Math.cos(j) * 0.01));
  nodes.push({ name: 'fc', opType: 'Gemm', input: [x, 'fc.weight'], output: ['logits'] });
  const model: onnx.IModelProto = {
    irVersion: 8, producerName: 'bnlens-bench', opsetImport: [{ domain: '', version: 15 }],
    graph: { name: 'resnet50-like', node: nodes, initializer: inits,
      input: [{ name: 'input' }], output: [{ name: 'logits' }] },
  };
  return onnx.ModelProto.encode(model).finish();
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bnlens-bench-'));
  try {
    const path = join(dir, 'resnet50-like.onnx');
    writeFileSync(path, buildResNet50Like());
    const bytes = new Uint8Array(readFileSync(path));
    const source = { name: path, bytes, readSibling: async () => null };

    // Peak memory of one cold read, sampled while it runs, before any timing warms things up.
    global.gc?.();
    const before = process.memoryUsage();
    let peakRss = before.rss;
    const timer = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 1);
    const t0 = performance.now();
    const model = await readModel(source);
    const coldMs = performance.now() - t0;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    clearInterval(timer);
    const bnCount = model.normLayers.length;
    if (bnCount !== 53) throw new Error(`expected 53 BN layers, found ${bnCount}`);

    const oursMs = await medianMs(async () => (await readModel(source)).normLayers.length, { warmup: 2, repeats: 5 });
    const peerMs = await medianMs(() => onnx.ModelProto.decode(bytes).graph?.node?.length, { warmup: 2, repeats: 5 });
    report({
      name: 'open-onnx-resnet50-size',
      oursMs,
      peer: 'onnx-proto ModelProto.decode',
      peerMs,
      extra: {
        fileMB: +(bytes.length / 2 ** 20).toFixed(1),
        coldMs: +coldMs.toFixed(1),
        peakRssGrowthMB: +((peakRss - before.rss) / 2 ** 20).toFixed(1),
        bnLayers: bnCount,
      },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
