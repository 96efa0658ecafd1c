// JSON from inside model files (safetensors headers, TF.js model.json and manifests, Keras configs),
// parsed with a nesting limit checked first by a linear scan: no real file nests deeper than a few dozen
// levels, and the code that walks a parsed value (and JSON.stringify in messages) recurses, so a file
// nested 100,000 deep would otherwise end in a stack overflow instead of the reader's own error.

/** Deeper nesting is refused; Keras configs of nested models reach about 30. */
export const MAX_JSON_DEPTH = 256;

/** The deepest nesting of [ and { in JSON text (strings skipped); stops counting past `limit`. */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/**
 * Parses JSON from a file; the problem (too deep, or where it does not parse) is returned as text for
 * the reader's own error. V8's own message is not passed on: it quotes the text around the error.
 */
export function parseJson(text: string): { value: unknown } | { problem: string } {
  const depth = jsonDepth(text);
  if (depth > MAX_JSON_DEPTH) return { problem: `it nests more than ${MAX_JSON_DEPTH} levels deep` };
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (e) {
    const at = e instanceof Error ? /position (\d+)/.exec(e.message) : null;
    return { problem: at ? `it does not parse at character ${at[1]}` : `it does not parse (${e instanceof Error && /end of JSON input/i.test(e.message) ? 'it ends early' : 'syntax error'})` };
  }
}
