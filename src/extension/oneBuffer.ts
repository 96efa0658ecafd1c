// Typed arrays posted to a webview, packed into one ArrayBuffer. VS Code serializes every distinct
// ArrayBuffer of a message as its own argument of one RPC call, and its RPC protocol writes the number of
// arguments in a single byte: a message with more than about 250 buffers (a probe of MobileNetV2's 52
// BatchNorm layers has over 1000 arrays) reached the webview with most arrays empty (seen in VS Code 1.100).
// Views into one buffer go as one argument (the serializer keeps each view's offset and length).
// No vscode import: unit-tested in Node.

type Typed = Float32Array | Float64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array | Uint8ClampedArray;

function isTyped(value: unknown): value is Typed {
  return ArrayBuffer.isView(value) && !(value instanceof DataView) && !(typeof BigInt64Array !== 'undefined' && (value instanceof BigInt64Array || value instanceof BigUint64Array));
}

/** A copy of `message` whose typed arrays are views of one ArrayBuffer; plain objects and arrays are rebuilt, other values kept. */
export function withOneBuffer<T>(message: T): T {
  const arrays: Typed[] = [];
  const collect = (v: unknown): void => {
    if (isTyped(v)) arrays.push(v);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(collect);
  };
  collect(message);
  if (arrays.length < 2) return message;
  const align = (n: number): number => Math.ceil(n / 8) * 8; // every element size divides 8
  const buffer = new ArrayBuffer(arrays.reduce((n, a) => n + align(a.byteLength), 0));
  const copies = new Map<Typed, Typed>();
  let offset = 0;
  for (const a of arrays) {
    if (copies.has(a)) continue;
    const Ctor = a.constructor as new (b: ArrayBuffer, offset: number, length: number) => Typed;
    const copy = new Ctor(buffer, offset, a.length);
    copy.set(a as ArrayLike<number>);
    copies.set(a, copy);
    offset += align(a.byteLength);
  }
  const rebuild = (v: unknown): unknown => {
    if (isTyped(v)) return copies.get(v);
    if (Array.isArray(v)) return v.map(rebuild);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rebuild(x)]));
    return v;
  };
  return rebuild(message) as T;
}
