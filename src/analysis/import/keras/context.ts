// What every Keras layer converter gets and the helpers they share. A converter turns one Keras
// layer (a node of the graph the Keras and TF.js readers make) into a chain of engine layers whose
// last one carries the Keras layer's name; data stays channels last (NHWC) as in Keras.

import type { Layer } from '../../../engine/layer';
import { Transpose } from '../../../engine/layers';
import type { Tensor } from '../../../engine/tensor';
import type { AttributeValue, GraphNode, TensorInfo } from '../../../formats/model';
import { assign, type ImportFail } from '../common';

/**
 * Whose semantics the file's config has where Keras versions differ (hard_sigmoid's slope):
 * 'keras3' for Keras 3 files, 'keras2' for tf.keras files and TF.js layers models.
 */
export type KerasDialect = 'keras2' | 'keras3';

export interface Context {
  readonly node: GraphNode;
  readonly fail: ImportFail;
  /** Rank of the layer's (first) input where the model's input shape tells it. */
  readonly rank: number | null;
  readonly dialect: KerasDialect;
  /** The layer's variable, or an error naming it; later names are what other Keras versions call it. */
  weight(...names: string[]): TensorInfo;
  /** The layer's variable, or null when the file has none of these names. */
  optionalWeight(...names: string[]): TensorInfo | null;
  /** The layer's only variable whatever its name (Keras names some "variable_3"), or an error. */
  soleWeight(): TensorInfo;
}

/** A converter's engine layers; `rank` when the layer changes its input's rank (null: unknown). */
export type Converted = Layer[] | { readonly layers: Layer[]; readonly rank: number | null };

export type Converter = (ctx: Context) => Converted;

export function num(v: AttributeValue | undefined, fallback: number): number {
  return typeof v === 'number' ? v : fallback;
}

/** kernel_size, strides, …: Keras writes [h, w]; hand-made TF.js configs may write one number. */
export function pairOf(v: AttributeValue | undefined, fallback: number): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number') return [v[0], v[1]];
  return [fallback, fallback];
}

/** An axis attribute: a number, or a list of one (Keras 2 writes [3]). */
export function singleAxis({ node, fail }: Context, fallback: number): number {
  const v = node.attributes.axis;
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'number') return v[0];
  throw fail(`axis ${JSON.stringify(v)}: the importer supports a single axis`);
}

export function set(target: Tensor | undefined, source: TensorInfo | Float32Array | Float64Array, what: string, fail: ImportFail): void {
  if (!target) throw fail(`the engine layer has no ${what}`);
  assign(target, source, what, fail);
}

export function channelsLast({ node, fail }: Context): void {
  if (node.attributes.data_format === 'channels_first') throw fail('data_format channels_first; the importer runs channels-last (NHWC) models');
}

export const TO_NCHW = [0, 3, 1, 2];
export const TO_NHWC = [0, 2, 3, 1];

/**
 * Engine ops that work NCHW, run on NHWC data: transposed in, run, transposed back, then the layer's
 * fused activation. The last engine node carries the Keras layer's name.
 */
export function channelsFirst(name: string, ops: Layer[], activation: Layer | null): Layer[] {
  return [
    new Transpose({ name: `${name}/nchw`, perm: TO_NCHW }),
    ...ops,
    new Transpose({ name: activation ? `${name}/nhwc` : name, perm: TO_NHWC }),
    ...(activation ? [activation] : []),
  ];
}

/** Keras's [kH, kW, in, out] kernel values as the engine's [out, in, kH, kW]. */
export function hwioToOihw(v: Float32Array | Float64Array, [kH, kW, ci, co]: readonly number[]): Float64Array {
  const out = new Float64Array(v.length);
  for (let h = 0; h < kH; h++) {
    for (let w = 0; w < kW; w++) {
      for (let i = 0; i < ci; i++) {
        for (let o = 0; o < co; o++) out[((o * ci + i) * kH + h) * kW + w] = v[((h * kW + w) * ci + i) * co + o];
      }
    }
  }
  return out;
}

/** A list of numbers from the config (a mean, a scale), or a lone number as a list of one. */
export function numbers(v: AttributeValue | undefined): number[] | null {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return v as number[];
  return null;
}
