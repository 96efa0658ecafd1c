// Entry of the kernels module: everything exported here is callable from JavaScript.
export { gemm, gemmScratchBytes } from './gemm';
export { winogradBufferBytes, winogradForward } from './winograd';
export { convEpilogue } from './epilogue';
export { maxPool2d } from './pool';
export { col2im, convBackwardData, convBackwardFilter, convForward, depthwiseBackward, depthwiseForward, im2col } from './conv';

/** Start of the memory the module itself does not use: the host lays out its buffers from here. */
export function heapBase(): usize {
  return __heap_base;
}
