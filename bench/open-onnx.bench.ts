// Opening a ResNet-50-sized ONNX model (~100 MB of float32 initializers, 53 Conv + 53 BN) and listing
// its BN layers: readModel against onnx-proto's full ModelProto.decode. The model is generated here
// with onnx-proto's encoder into a temp folder, so the repository ships no large file.
// The cold open (read the file from disk, readModel, list the BN layers) runs in a fresh child process,
// whose peak resident set (VmHWM) is compared with the file size: the budget
// is 1.5 s and less than twice the file size (the file's own bytes included).
import { onnx } from 'onnx-proto';
import { spawnSync } from 'node:child_process';
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

const COLD_BUDGET_MS = 1500;

interface ColdOpen { ms: number; peakGrowthBytes: number; fileBytes: number; bnLayers: number }

/**
 * The process's peak resident set in bytes: Linux's VmHWM, which starts afresh with each exec
 * (ru_maxrss, behind process.resourceUsage().maxRSS, carries the forking parent's peak over).
 */
function peakRss(): number {
  const hwm = /VmHWM:\s*(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  if (!hwm) throw new Error('no VmHWM in /proc/self/status');
  return Number(hwm[1]) * 1024;
}

/** Child process: one cold open, measured from a baseline taken after the modules are loaded. */
async function coldOpen(path: string): Promise<void> {
  const baseline = peakRss();
  const t0 = performance.now();
  // A Buffer is a Uint8Array: no copy of the file's bytes.
  const bytes: Uint8Array = readFileSync(path);
  const model = await readModel({ name: path, bytes, readSibling: async () => null });
  const names = model.normLayers.map((l) => `${l.name} ${l.channels}`);
  const ms = performance.now() - t0;
  const result: ColdOpen = { ms, peakGrowthBytes: peakRss() - baseline, fileBytes: bytes.length, bnLayers: names.length };
  console.log(JSON.stringify(result));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bnlens-bench-'));
  try {
    const path = join(dir, 'resnet50-like.onnx');
    writeFileSync(path, buildResNet50Like());
    const child = spawnSync(process.execPath, [process.argv[1], '--cold-open', path], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`cold-open child failed: ${child.stderr}`);
    const cold = JSON.parse(child.stdout.trim().split('\n').pop() ?? '') as ColdOpen;
    if (cold.bnLayers !== 53) throw new Error(`expected 53 BN layers, found ${cold.bnLayers}`);

    const bytes = new Uint8Array(readFileSync(path));
    const source = { name: path, bytes, readSibling: async () => null };
    const oursMs = await medianMs(async () => (await readModel(source)).normLayers.length, { warmup: 10, repeats: 15 });
    const peerMs = await medianMs(() => onnx.ModelProto.decode(bytes).graph?.node?.length, { warmup: 10, repeats: 15 });
    report({
      name: 'open-onnx-resnet50-size',
      oursMs,
      peer: 'onnx-proto ModelProto.decode',
      peerMs,
      extra: {
        fileMB: +(cold.fileBytes / 2 ** 20).toFixed(1),
        coldOpenMs: +cold.ms.toFixed(1),
        peakGrowthMB: +(cold.peakGrowthBytes / 2 ** 20).toFixed(1),
        peakOverFileSize: +(cold.peakGrowthBytes / cold.fileBytes).toFixed(2),
        bnLayers: cold.bnLayers,
      },
    });
    if (cold.ms > COLD_BUDGET_MS) throw new Error(`cold open took ${cold.ms.toFixed(0)} ms, budget ${COLD_BUDGET_MS} ms`);
    if (cold.peakGrowthBytes >= 2 * cold.fileBytes) throw new Error(`cold open grew the process by ${cold.peakGrowthBytes} bytes, twice the file is ${2 * cold.fileBytes}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const coldArg = process.argv.indexOf('--cold-open');
if (coldArg >= 0) void coldOpen(process.argv[coldArg + 1]);
else {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
