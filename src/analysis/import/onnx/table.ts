// Every ONNX operator the engine runs, by name. Adding one is a converter in a family module (or a
// new module) and, for a new module, one line here.

import { CONV } from './conv';
import type { ConverterTable } from './context';
import { ELEMENTWISE } from './elementwise';
import { NORM } from './norm';
import { POOL } from './pool';
import { REDUCE } from './reduce';
import { RESIZE } from './resize';
import { SHAPE } from './shape';

export const CONVERTERS: ConverterTable = {
  ...CONV,
  ...NORM,
  ...ELEMENTWISE,
  ...SHAPE,
  ...REDUCE,
  ...POOL,
  ...RESIZE,
};
