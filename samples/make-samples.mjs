// Makes the small model files in samples/ (the workspace `npm start` opens). Deterministic: a seeded
// generator stands in for training, so re-running it rewrites identical bytes.
//   node samples/make-samples.mjs
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const here = path.dirname(fileURLToPath(import.meta.url));

// mulberry32: tiny, seeded, good enough for sample weights.
function rng(seed) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}
const r = rng(20261124);
const fill = (n, f) => Float32Array.from({ length: n }, f);

/** Plausible trained BN parameters; `deadChannels` get |γ| ≈ 0, as pruning or dying leaves them. */
function bnParams(channels, deadChannels = []) {
  const gamma = fill(channels, () => 1 + 0.25 * r.normal());
  for (const c of deadChannels) gamma[c] = 1e-4 * r.normal();
  return {
    gamma,
    beta: fill(channels, () => 0.1 * r.normal()),
    mean: fill(channels, () => 0.5 * r.normal()),
    var: fill(channels, () => 0.2 + Math.abs(1.5 * r.normal())),
  };
}

// ---- ONNX: a small Conv-BN-ReLU image classifier, opset 15 ------------------------------------
function tensor(name, dims, data) {
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer.slice(0)) };
}
function valueInfo(name, dims) {
  return { name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } };
}
const attrInts = (name, ints) => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints });
const attrFloat = (name, f) => ({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f });

function cnnOnnx() {
  const initializer = [];
  const node = [];
  let x = 'image';
  let inC = 3;
  const blocks = [[16, []], [32, [5, 17]], [64, []]];
  blocks.forEach(([outC, dead], i) => {
    const k = `block${i + 1}`;
    const fanIn = inC * 9;
    initializer.push(tensor(`${k}.conv.weight`, [outC, inC, 3, 3], fill(outC * fanIn, () => r.normal() * Math.sqrt(2 / fanIn))));
    node.push({ name: `${k}.conv`, opType: 'Conv', input: [x, `${k}.conv.weight`], output: [`${k}.conv_out`], attribute: [attrInts('kernel_shape', [3, 3]), attrInts('pads', [1, 1, 1, 1]), attrInts('strides', i === 0 ? [1, 1] : [2, 2])] });
    const p = bnParams(outC, dead);
    for (const [suffix, data] of [['weight', p.gamma], ['bias', p.beta], ['running_mean', p.mean], ['running_var', p.var]]) {
      initializer.push(tensor(`${k}.bn.${suffix}`, [outC], data));
    }
    node.push({ name: `${k}.bn`, opType: 'BatchNormalization', input: [`${k}.conv_out`, `${k}.bn.weight`, `${k}.bn.bias`, `${k}.bn.running_mean`, `${k}.bn.running_var`], output: [`${k}.bn_out`], attribute: [attrFloat('epsilon', 1e-5), attrFloat('momentum', 0.9)] });
    node.push({ name: `${k}.relu`, opType: 'Relu', input: [`${k}.bn_out`], output: [`${k}.out`] });
    x = `${k}.out`;
    inC = outC;
  });
  node.push({ name: 'pool', opType: 'GlobalAveragePool', input: [x], output: ['pooled'] });
  node.push({ name: 'flatten', opType: 'Flatten', input: ['pooled'], output: ['features'] });
  initializer.push(tensor('fc.weight', [10, inC], fill(10 * inC, () => r.normal() / Math.sqrt(inC))));
  initializer.push(tensor('fc.bias', [10], fill(10, () => 0.01 * r.normal())));
  node.push({ name: 'fc', opType: 'Gemm', input: ['features', 'fc.weight', 'fc.bias'], output: ['logits'], attribute: [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'bn-lens samples',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: 15 }],
    graph: {
      name: 'cnn_bn',
      node,
      initializer,
      input: [valueInfo('image', ['N', 3, 32, 32])],
      output: [valueInfo('logits', ['N', 10])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

// ---- safetensors: a PyTorch MLP state dict, Dense(128)-BN-ReLU-Dense(64)-BN-ReLU-Dense(10) --------
function safetensors(entries) {
  const header = {};
  const chunks = [];
  let offset = 0;
  for (const [name, dtype, shape, data] of entries) {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  header.__metadata__ = { format: 'pt' };
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // the format pads the header to 8 bytes with spaces
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(new TextEncoder().encode(json), 8);
  let at = 8 + json.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function mlpSafetensors() {
  const entries = [];
  const sizes = [20, 128, 64, 10];
  for (let i = 0; i < 3; i++) {
    const [inF, outF] = [sizes[i], sizes[i + 1]];
    entries.push([`net.${2 * i}.weight`, 'F32', [outF, inF], fill(outF * inF, () => r.normal() / Math.sqrt(inF))]);
    entries.push([`net.${2 * i}.bias`, 'F32', [outF], fill(outF, () => 0.01 * r.normal())]);
    if (i < 2) {
      const p = bnParams(outF, i === 1 ? [3] : []);
      entries.push([`net.${2 * i + 1}.weight`, 'F32', [outF], p.gamma]);
      entries.push([`net.${2 * i + 1}.bias`, 'F32', [outF], p.beta]);
      entries.push([`net.${2 * i + 1}.running_mean`, 'F32', [outF], p.mean]);
      entries.push([`net.${2 * i + 1}.running_var`, 'F32', [outF], p.var]);
      entries.push([`net.${2 * i + 1}.num_batches_tracked`, 'I64', [], BigInt64Array.of(1875n)]);
    }
  }
  return safetensors(entries);
}

for (const [name, bytes] of [['cnn-bn.onnx', cnnOnnx()], ['mlp-bn.safetensors', mlpSafetensors()]]) {
  writeFileSync(path.join(here, name), bytes);
  console.log(`samples/${name}: ${bytes.length} bytes`);
}
