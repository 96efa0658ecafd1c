import { describe, expect, it } from 'vitest';
import { channelsCsv, layersCsv } from '../../../src/analysis/exportCsv';
import type { LayerSummary, ModelSummary } from '../../../src/analysis/inventory';

const layer: LayerSummary = {
  name: 'enc,1 "bn"', label: 'enc,1 "bn"', momentumStored: true, momentumNote: null, kind: 'BatchNorm', op: 'BatchNormalization', channels: 2, epsilon: 0.25, momentum: 0.9,
  momentumConvention: 'keras', momentumPytorch: 0.1, affine: true, center: true, scale: true, training: false,
  numBatchesTracked: null, after: 'Conv', before: 'Relu',
  gamma: Float32Array.of(2, 1), beta: Float32Array.of(0.5, 0), runningMean: Float32Array.of(1, 0), runningVar: Float32Array.of(3.75, 0.75),
};
const model: ModelSummary = { file: 'm.onnx', format: 'onnx', variant: 'onnx', producer: null, producerVersion: null, opset: 15, parameterCount: 8, layers: [layer], notes: [], notRunnable: null };

describe('CSV export', () => {
  it('writes one row per layer, quoting names with commas and quotes', () => {
    const lines = layersCsv(model).split('\r\n');
    expect(lines[0]).toBe('layer,kind,op,channels,epsilon,momentum,momentum_convention,momentum_pytorch,affine,center,scale,training,num_batches_tracked,after,before');
    expect(lines[1]).toBe('"enc,1 ""bn""",BatchNorm,BatchNormalization,2,0.25,0.9,keras,0.1,true,true,true,false,,Conv,Relu');
  });

  it('writes one row per channel with the effective inference scale and shift', () => {
    const lines = channelsCsv([layer]).trim().split('\r\n');
    expect(lines).toEqual([
      'layer,channel,gamma,beta,running_mean,running_var,effective_scale,effective_shift',
      '"enc,1 ""bn""",0,2,0.5,1,3.75,1,-0.5',
      '"enc,1 ""bn""",1,1,0,0,0.75,1,0',
    ]);
  });
});
