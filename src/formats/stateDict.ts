// Normalization layers from flat lists of named tensors — PyTorch state dicts (safetensors, .pt),
// Keras weight names and TF.js weights manifests. One module so every format groups names the same:
//   PyTorch: <module>.weight / .bias / .running_mean / .running_var / .num_batches_tracked
//   Keras:   <layer>/gamma / beta / moving_mean / moving_variance (Keras 2 adds ":0")

import type { MomentumConvention, NormKind, NormLayer, TensorInfo } from './model';

type Role = 'gamma' | 'beta' | 'mean' | 'var' | 'count';

const SUFFIXES: Record<string, { role: Role; style: MomentumConvention }> = {
  weight: { role: 'gamma', style: 'pytorch' },
  bias: { role: 'beta', style: 'pytorch' },
  running_mean: { role: 'mean', style: 'pytorch' },
  running_var: { role: 'var', style: 'pytorch' },
  num_batches_tracked: { role: 'count', style: 'pytorch' },
  gamma: { role: 'gamma', style: 'keras' },
  beta: { role: 'beta', style: 'keras' },
  moving_mean: { role: 'mean', style: 'keras' },
  moving_variance: { role: 'var', style: 'keras' },
};

/** The tensors of one module (PyTorch) or layer (Keras) that look like normalization parameters. */
export interface NormGroup {
  /** The module path or layer name, e.g. "layer1.0.bn1" or "bn1". */
  readonly module: string;
  readonly style: MomentumConvention;
  readonly kind: NormKind;
  /** True when the kind comes from the module's name alone (no running statistics to go by). */
  readonly kindFromName: boolean;
  readonly gamma: TensorInfo | null;
  readonly beta: TensorInfo | null;
  readonly mean: TensorInfo | null;
  readonly var: TensorInfo | null;
  readonly count: TensorInfo | null;
}

/** What a module's last name segment says its kind is, for modules without running statistics. */
function kindFromName(module: string): NormKind | null {
  const last = module.split(/[./]/).pop() ?? '';
  if (/layer_?norm|^ln_?\d*$/i.test(last)) return 'LayerNorm';
  if (/group_?norm|^gn_?\d*$/i.test(last)) return 'GroupNorm';
  if (/instance_?norm/i.test(last)) return 'InstanceNorm';
  if (/batch_?norm|^bn|bn\d*$/i.test(last)) return 'BatchNorm';
  return null;
}

/** Splits "a.b.running_mean" / "bn1/gamma:0" into module and suffix. */
export function splitName(name: string): { module: string; suffix: string } {
  const clean = name.replace(/:\d+$/, '');
  const at = Math.max(clean.lastIndexOf('.'), clean.lastIndexOf('/'));
  return at < 0 ? { module: '', suffix: clean } : { module: clean.slice(0, at), suffix: clean.slice(at + 1) };
}

const is1d = (t: TensorInfo | null): boolean => t === null || t.shape.length === 1;

export function groupNormParams(tensors: readonly TensorInfo[]): NormGroup[] {
  const modules = new Map<string, { style: MomentumConvention; roles: Map<Role, TensorInfo>; others: number }>();
  for (const t of tensors) {
    const { module, suffix } = splitName(t.name);
    const known = SUFFIXES[suffix];
    let entry = modules.get(module);
    if (!entry) {
      entry = { style: known?.style ?? 'pytorch', roles: new Map(), others: 0 };
      modules.set(module, entry);
    }
    if (known && known.style === entry.style && !entry.roles.has(known.role)) entry.roles.set(known.role, t);
    else entry.others++;
  }
  const groups: NormGroup[] = [];
  for (const [module, { style, roles, others }] of modules) {
    const get = (r: Role): TensorInfo | null => roles.get(r) ?? null;
    const [gamma, beta, mean, variance] = [get('gamma'), get('beta'), get('mean'), get('var')];
    if (![gamma, beta, mean, variance].every(is1d)) continue;
    let kind: NormKind | null;
    let fromName = false;
    if (mean || variance) {
      // Running statistics: BatchNorm, or InstanceNorm built with track_running_stats=True.
      kind = kindFromName(module) === 'InstanceNorm' ? 'InstanceNorm' : 'BatchNorm';
    } else if (style === 'keras' && (gamma || beta) && others === 0) {
      // Keras LayerNormalization/GroupNormalization keep gamma/beta only.
      kind = kindFromName(module) ?? 'LayerNorm';
      fromName = true;
    } else if (gamma && others === 0) {
      // A PyTorch module with only weight and bias could be anything; its name has to tell.
      kind = kindFromName(module);
      fromName = true;
    } else {
      kind = null;
    }
    if (kind) groups.push({ module, style, kind, kindFromName: fromName, gamma, beta, mean, var: variance, count: get('count') });
  }
  return groups;
}

/** A NormLayer from a group, with nothing known beyond the tensors (the caller adds config values). */
export function normLayerOf(group: NormGroup, op: string): NormLayer {
  const first = group.gamma ?? group.mean ?? group.var ?? group.beta;
  const isBN = group.kind === 'BatchNorm';
  return {
    name: group.module,
    kind: group.kind,
    op,
    channels: first && first.shape.length === 1 ? first.shape[0] : null,
    epsilon: null,
    momentum: null,
    momentumConvention: isBN ? group.style : null,
    affine: group.style === 'pytorch' ? group.gamma !== null : group.gamma !== null || group.beta !== null,
    center: group.beta !== null,
    scale: group.gamma !== null,
    gamma: group.gamma,
    beta: group.beta,
    runningMean: group.mean,
    runningVar: group.var,
    numBatchesTracked: group.count && group.count.shape.length <= 1 ? (group.count.values()[0] ?? null) : null,
    training: null,
    after: null,
    before: null,
  };
}

/** Notes for the user about what was inferred when grouping. */
export function groupNotes(groups: readonly NormGroup[]): string[] {
  return groups.filter((g) => g.kindFromName).map((g) =>
    `${g.module}: taken for ${g.kind} from its name alone (it has ${[g.gamma && 'a scale', g.beta && 'a bias'].filter(Boolean).join(' and ')} but no running statistics).`);
}
