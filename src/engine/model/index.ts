export { Model, type LayerObserver, type ModelNode, type ModelOptions, type ModelSpec, type NamedParameter } from './model';
