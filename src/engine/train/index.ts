export { fansOf, glorotNormal, glorotUniform, heNormal, heUniform, initBias, initWeight, kaimingUniform, type InitializerName } from './initializers';
export {
  accuracyOf, computeLoss, evaluate, fit, trainingSteps, trainStep,
  type EpochEvent, type FitOptions, type FitResult, type LossName, type Metrics, type StepEvent, type TrainingEvent,
} from './loop';
export { bceWithLogitsLoss, mseLoss, softmaxCrossEntropy, type LossResult } from './losses';
export { Adam, AdamW, SGD, type AdamOptions, type Optimizer, type SgdOptions } from './optimizers';
