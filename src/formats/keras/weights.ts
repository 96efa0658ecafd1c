// Where Keras keeps weights inside HDF5, in its two layouts:
//   Keras 2 (and legacy full-model .h5 under model_weights/): attribute layer_names on the group,
//     attribute weight_names on each layer's group, datasets at <layer>/<weight name> ("bn1/gamma:0").
//   Keras 3 (.weights.h5, model.weights.h5 in .keras): layers/<class-based name>/vars/<i>, no weight
//     names; nested models add layers/<name>/layers/…; newer writers put the user's layer name in an
//     attribute "name" of the vars group.

import type { ErrorFactory } from '../errors';
import type { TensorInfo } from '../model';
import { splitName } from '../stateDict';
import { stringAttr, stringListAttr, type H5Dataset, type H5Group } from './hdf5';

/** Keras 2: each layer's weights by the last part of their name (gamma, moving_mean, kernel, …). */
export interface Keras2Layer {
  readonly name: string;
  readonly weights: Map<string, TensorInfo>;
  /**
   * The group's weights by the part of their name before the variable: a nested model's group holds
   * every inner layer's weights, named "bn_Conv1/gamma:0" (or with the inner models' names in front).
   */
  readonly byLayer: Map<string, Map<string, TensorInfo>>;
  readonly tensors: TensorInfo[];
}

export function keras2Weights(g: H5Group, fail: ErrorFactory): Keras2Layer[] {
  const layerNames = stringListAttr(g.attr('layer_names'));
  if (!layerNames) throw fail(`attribute layer_names is ${JSON.stringify(g.attr('layer_names'))?.slice(0, 80)}, not a list of names`, `${g.path} attributes`);
  // Keras names every layer and weight once; a name listed again would multiply the work (and the
  // tensors) by the repeats, so it is refused, as Keras itself fails on it.
  const twice = firstRepeat(layerNames);
  if (twice !== null) throw fail(`layer '${twice}' is listed more than once in layer_names`, `${g.path} attributes`);
  return layerNames.map((layer) => {
    const lg = g.group(layer);
    if (!lg) throw fail(`layer '${layer}' is listed in layer_names but has no group`, g.path);
    const weightNames = stringListAttr(lg.attr('weight_names')) ?? [];
    const again = firstRepeat(weightNames);
    if (again !== null) throw fail(`weight '${again}' is listed more than once in weight_names`, `${lg.path} attributes`);
    const weights = new Map<string, TensorInfo>();
    const byLayer = new Map<string, Map<string, TensorInfo>>();
    const tensors: TensorInfo[] = [];
    for (const weightName of weightNames) {
      const parts = weightName.split('/');
      let at: H5Group | null = lg;
      for (const part of parts.slice(0, -1)) at = at?.group(part) ?? null;
      const ds = at?.dataset(parts[parts.length - 1]);
      if (!ds) throw fail(`weight '${weightName}' is listed in weight_names but has no dataset`, `${lg.path}`);
      const name = weightName.replace(/:\d+$/, '');
      const t = ds.tensor(name);
      tensors.push(t);
      const { module, suffix } = splitName(name);
      weights.set(suffix, t);
      const named = byLayer.get(module) ?? new Map<string, TensorInfo>();
      named.set(suffix, t);
      byLayer.set(module, named);
    }
    return { name: layer, weights, byLayer, tensors };
  });
}

function firstRepeat(names: readonly string[]): string | null {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) return n;
    seen.add(n);
  }
  return null;
}

/** Keras 3: a layer's group, its variables in order, and what names the file gives it. */
export interface Keras3Layer {
  /** Path of group names below layers/, e.g. ["batch_normalization_1"] or ["functional", "dense"]. */
  readonly path: string[];
  /** The user's layer name from the vars group's "name" attribute, when the writer stored it. */
  readonly userName: string | null;
  readonly vars: H5Dataset[];
}

export function keras3Weights(root: H5Group, fail: ErrorFactory): Keras3Layer[] {
  const out: Keras3Layer[] = [];
  const walk = (layers: H5Group, prefix: string[], depth: number): void => {
    if (depth > 16) throw fail('layers nested more than 16 deep', layers.path);
    for (const key of layers.keys()) {
      const lg = layers.group(key);
      if (!lg) continue;
      const vars = lg.group('vars');
      if (vars) {
        const indices = vars.keys().filter((k) => /^\d+$/.test(k)).map(Number).sort((a, b) => a - b);
        const datasets = indices.map((i) => {
          const ds = vars.dataset(String(i));
          if (!ds) throw fail(`vars/${i} is not a dataset`, vars.path);
          return ds;
        });
        out.push({ path: [...prefix, key], userName: stringAttr(vars.attr('name')), vars: datasets });
      }
      const inner = lg.group('layers');
      if (inner) walk(inner, [...prefix, key], depth + 1);
    }
  };
  const layers = root.group('layers');
  if (!layers) throw fail('no layers group: not a Keras 3 weights file', root.path);
  walk(layers, [], 0);
  return out;
}
