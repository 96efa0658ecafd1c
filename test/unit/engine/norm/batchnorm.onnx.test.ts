// The ONNX project's BatchNormalization node tests (opset 15 incl. training_mode, BN-9, BN-7), run
// through onnxBatchNormalization and compared with the ONNX backend runner's tolerances.

import { readdirSync } from 'node:fs';
import path from 'node:path';
import { onnx } from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { onnxBatchNormalization } from '../../../../src/engine/norm';
import { Tensor } from '../../../../src/engine/tensor';
import { EVAL, FIXTURES, TRAIN, expectClose, readFixture } from './helpers';

const ONNX_RUNNER_TOLERANCE = { rtol: 1e-3, atol: 1e-7 };
const FLOAT = onnx.TensorProto.DataType.FLOAT;

/** protobufjs gives int64 as Long objects or numbers; both print as their decimal value. */
const int64 = (v: number | { toString(): string }): number => Number(String(v));

function decodeTensor(relative: string): Tensor {
  const proto = onnx.TensorProto.decode(readFixture(relative));
  expect(proto.dataType, `${relative} data type`).toBe(FLOAT);
  const shape = proto.dims.map(int64);
  const raw = proto.rawData;
  const values = raw.length > 0
    ? Array.from({ length: raw.length / 4 }, (_, i) => new DataView(raw.buffer, raw.byteOffset, raw.byteLength).getFloat32(i * 4, true))
    : proto.floatData;
  return Tensor.fromArray(values, shape, 'float32');
}

function attributes(node: onnx.INodeProto): { epsilon: number; momentum: number; trainingMode: boolean } {
  const find = (name: string): onnx.IAttributeProto | undefined => node.attribute?.find((a) => a.name === name);
  return {
    epsilon: find('epsilon')?.f ?? 1e-5,
    momentum: find('momentum')?.f ?? 0.9,
    trainingMode: int64(find('training_mode')?.i ?? 0) === 1,
  };
}

const cases = ['opset15', 'opset12-bn9', 'opset8-bn7'].flatMap((folder) =>
  readdirSync(path.join(FIXTURES, 'onnx-node-tests', folder)).map((name) => `onnx-node-tests/${folder}/${name}`),
);

describe('BatchNorm against the ONNX node tests', () => {
  it('finds all eight cases, two of them in training mode', () => {
    expect(cases).toHaveLength(8);
    expect(cases.filter((c) => c.endsWith('_training_mode'))).toHaveLength(2);
  });

  for (const dir of cases) {
    it(dir, () => {
      const model = onnx.ModelProto.decode(readFixture(`${dir}/model.onnx`));
      const node = model.graph?.node?.[0];
      expect(node?.opType).toBe('BatchNormalization');
      const { epsilon, momentum, trainingMode } = attributes(node as onnx.INodeProto);
      const [x, scale, bias, mean, variance] = [0, 1, 2, 3, 4].map((k) => decodeTensor(`${dir}/test_data_set_0/input_${k}.pb`));
      const outputs = (node?.output ?? []).map((_, k) => decodeTensor(`${dir}/test_data_set_0/output_${k}.pb`));

      const layer = onnxBatchNormalization({ name: dir, numFeatures: scale.size, epsilon, momentum });
      layer.gamma?.value.data.set(scale.data);
      layer.beta?.value.data.set(bias.data);
      const buffers = layer.buffers();
      buffers.input_mean.data.set(mean.data);
      buffers.input_var.data.set(variance.data);

      const y = layer.forward([x], trainingMode ? TRAIN : EVAL);
      expect(y.shape).toEqual(outputs[0].shape);
      expectClose(y.data, outputs[0].data, ONNX_RUNNER_TOLERANCE, 'Y');
      if (trainingMode) {
        expect(outputs).toHaveLength(3);
        expectClose(buffers.input_mean.data, outputs[1].data, ONNX_RUNNER_TOLERANCE, 'running_mean');
        expectClose(buffers.input_var.data, outputs[2].data, ONNX_RUNNER_TOLERANCE, 'running_var');
      }
    });
  }
});
