export { CsvError, parseCsv, parseCsvRows, type CsvOptions } from './csv';
export { fitStandardizer, sampleCount, splitDataset, standardize, takeRows, type Dataset, type Standardizer } from './dataset';
export { SHAPE_CLASSES, SHAPE_SIZE, shapes, type ShapesOptions } from './shapes';
export { blobs, examScores, spirals, twoMoons } from './toy';
