// Merge layers: Keras's Add, Subtract, Multiply, Average, Maximum and Minimum combine their inputs
// element-wise with broadcasting (squeeze-and-excitation multiplies [N,H,W,C] by [N,1,1,C]);
// Concatenate joins them along an axis.

import type { Layer } from '../../../engine/layer';
import { Broadcast, Concat, type BroadcastOp } from '../../../engine/layers';
import { num, type Context } from './context';

function broadcast(op: BroadcastOp): (ctx: Context) => Layer[] {
  return ({ node }) => [new Broadcast({ name: node.name, op })];
}

export const add = broadcast('add');
export const subtract = broadcast('subtract');
export const multiply = broadcast('multiply');
export const average = broadcast('average');
export const maximum = broadcast('maximum');
export const minimum = broadcast('minimum');

export function concatenate({ node }: Context): Layer[] {
  return [new Concat({ name: node.name, axis: num(node.attributes.axis, -1) })];
}
