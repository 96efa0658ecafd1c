// The Python literals a NumPy .npy header is written in, parsed as NumPy reads them (its safe_eval is
// ast.literal_eval): dicts, tuples, lists, strings, True/False/None and integers. Anything else (an
// expression, a call, a float where an int is needed) is refused, as NumPy refuses it. Nesting is
// limited: a header nested deeper than a few levels is no array header.

export type PyLiteral = string | number | boolean | null | PyLiteral[] | { tuple: PyLiteral[] } | Map<string, PyLiteral>;

export class PyLiteralError extends Error {}

const MAX_DEPTH = 16;

export function parsePyLiteral(text: string): PyLiteral {
  let at = 0;
  const fail = (what: string): never => {
    throw new PyLiteralError(`${what} at character ${at}`);
  };
  const space = (): void => {
    while (at < text.length && ' \t\r\n'.includes(text[at])) at++;
  };
  const string = (): string => {
    const quote = text[at++];
    let out = '';
    while (at < text.length && text[at] !== quote) {
      if (text[at] === '\\') {
        const next = text[at + 1];
        const simple: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t', r: '\r', '0': '\0' };
        if (next === undefined || !(next in simple)) fail('an escape sequence NumPy headers do not use');
        out += simple[next];
        at += 2;
      } else if (text[at] === '\n') fail('a string broken by a newline');
      else out += text[at++];
    }
    if (at >= text.length) fail('a string without its closing quote');
    at++;
    return out;
  };
  const integer = (): number => {
    const m = /^[-+]?\d+L?/.exec(text.slice(at, at + 40));
    if (!m) return fail('a value that is not a Python literal');
    at += m[0].length;
    if (/^[.eEjJxXoObB_]/.test(text[at] ?? '')) fail('a number that is not a plain integer');
    const v = Number(m[0].replace(/L$/, ''));
    if (!Number.isSafeInteger(v)) fail(`the integer ${m[0]}, too large`);
    return v;
  };
  /** Items up to `close`, comma-separated, a trailing comma allowed; `pair` for dict entries. */
  const items = <T>(close: string, item: () => T): { list: T[]; trailingComma: boolean } => {
    const list: T[] = [];
    let trailingComma = false;
    space();
    while (text[at] !== close) {
      list.push(item());
      space();
      if (text[at] === ',') {
        at++;
        trailingComma = true;
        space();
      } else if (text[at] !== close) fail(`'${text[at] ?? 'the end'}' where ',' or '${close}' belongs`);
      else trailingComma = false;
    }
    at++;
    return { list, trailingComma };
  };
  const value = (depth: number): PyLiteral => {
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH} levels`);
    space();
    const c = text[at];
    if (c === "'" || c === '"') return string();
    if (c === '(') {
      at++;
      const { list, trailingComma } = items(')', () => value(depth + 1));
      // (x) is x, not a tuple; (x,) and () are tuples.
      return list.length === 1 && !trailingComma ? list[0] : { tuple: list };
    }
    if (c === '[') {
      at++;
      return items(']', () => value(depth + 1)).list;
    }
    if (c === '{') {
      at++;
      const dict = new Map<string, PyLiteral>();
      items('}', () => {
        space();
        if (text[at] !== "'" && text[at] !== '"') fail('a dict key that is not a string');
        const key = string();
        space();
        if (text[at++] !== ':') fail("a dict entry without ':'");
        if (dict.has(key)) fail(`the key '${key}' twice`);
        dict.set(key, value(depth + 1));
      });
      return dict;
    }
    for (const [word, v] of [['True', true], ['False', false], ['None', null]] as const) {
      if (text.startsWith(word, at) && !/\w/.test(text[at + word.length] ?? '')) {
        at += word.length;
        return v;
      }
    }
    return integer();
  };
  const result = value(0);
  space();
  if (at < text.length) fail('text after the literal');
  return result;
}
