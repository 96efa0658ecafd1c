// Types for the parts of jsfive (a pure-JS HDF5 reader with no bundled types) that BN Lens uses.
declare module 'jsfive' {
  export class Group {
    readonly name: string;
    /** jsfive's internal object-header reader (its class is not exported). */
    readonly _dataobjects: object;
    readonly keys: string[];
    readonly attrs: Record<string, unknown>;
    get(path: string): Group | Dataset | null;
  }
  export class File extends Group {
    constructor(buffer: ArrayBuffer, filename?: string);
  }
  export class Dataset {
    readonly name: string;
    /** jsfive's internal object-header reader (its class is not exported). */
    readonly _dataobjects: object;
    readonly shape: number[];
    readonly dtype: string | unknown[];
    readonly attrs: Record<string, unknown>;
    readonly value: ArrayLike<number> | unknown[];
  }
}
