// The activation-statistics recorder: see recorder.ts for how a model attaches it.

export { ActivationRecorder, type ForwardObserver, type RecorderOptions, type TensorRole } from './recorder';
export type { SaturationRule } from './summary';
export {
  transferList, type GradientRecord, type Histogram, type LayerRecord, type NormalizationState, type StepRecord, type TensorSummary,
} from './types';
