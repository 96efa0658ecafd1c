export { Add, Concat } from './merge';
export { Clip, GELU, LeakyReLU, ReLU, ReLU6, Sigmoid, SiLU, Softmax, Tanh } from './activations';
export { Conv1d, Conv2d, type Conv1dOptions, type Conv1dPadding, type Conv2dOptions, type Conv2dPadding } from './conv';
export { Dense, type DenseOptions } from './dense';
export { Dropout } from './dropout';
export { AvgPool1d, AvgPool2d, GlobalAvgPool, MaxPool1d, MaxPool2d, type Pool1dOptions, type Pool2dOptions } from './pooling';
export { Flatten, Identity, Reshape, Transpose } from './shape';
