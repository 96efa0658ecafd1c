// The live run as the side panel shows it (no vscode here, so it is unit-tested): for each normalization
// layer the latest recorded statistics, and the dead fraction of the ReLU right after it.

import { batchRunningGap, deadFraction, isNormalizationKind, isReluKind } from '../../shared/runs/derived';
import type { LiveRunSnapshot, RunData } from '../../shared/runs/types';

export function snapshotOf(run: RunData): LiveRunSnapshot {
  const last = run.frames[run.frames.length - 1];
  const n = run.steps.step.length;
  const layers = run.schema.layers.flatMap((s, i) => {
    if (!isNormalizationKind(s.kind)) return [];
    const l = last?.layers[i];
    const next = run.schema.layers[i + 1];
    const nextFrame = last?.layers[i + 1];
    return [{
      name: s.name, kind: s.kind, channels: s.normChannels || s.output.channels,
      pre: { mean: l?.input.mean ?? NaN, std: l?.input.std ?? NaN },
      post: { mean: l?.output.mean ?? NaN, std: l?.output.std ?? NaN },
      gamma: l?.gamma ?? null,
      runningVariance: l?.runningVariance ?? null,
      batchRunningGap: l ? batchRunningGap(l) : null,
      deadFraction: next && nextFrame && isReluKind(next.kind) ? deadFraction(nextFrame, next) : null,
    }];
  });
  return {
    run: run.info.name, status: run.info.status, step: run.info.steps, totalSteps: run.info.totalSteps, recordedStep: last?.step ?? null,
    loss: n ? run.steps.loss[n - 1] : null, accuracy: n ? run.steps.accuracy[n - 1] : null, layers,
  };
}
