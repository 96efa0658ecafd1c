// How much recalibration moved one layer's running statistics, in numbers a person can compare across
// layers: shared by the inspector's table and `bnlens recalibrate` (no engine code, so the webview bundles it).

import type { RecalibratedLayer } from '../analysis/recalibrate';

export interface RecalibrationChange {
  /** The largest |after − before| running-mean change, in units of the old standard deviation. */
  readonly shift: number;
  /** The range of after ÷ before running variances over the channels. */
  readonly ratioLow: number;
  readonly ratioHigh: number;
}

export function recalibrationChange(l: RecalibratedLayer): RecalibrationChange {
  let shift = 0;
  let ratioLow = Infinity;
  let ratioHigh = -Infinity;
  for (let c = 0; c < l.after.mean.length; c++) {
    shift = Math.max(shift, Math.abs(l.after.mean[c] - l.before.mean[c]) / Math.sqrt(l.before.variance[c] + 1e-12));
    const ratio = l.after.variance[c] / l.before.variance[c];
    ratioLow = Math.min(ratioLow, ratio);
    ratioHigh = Math.max(ratioHigh, ratio);
  }
  return { shift, ratioLow, ratioHigh };
}
