// Issue 12's crafted hostile files (test/fuzz/crafted.mjs), each read by the CLI in this process: the
// exact refusal, as one "bnlens:" line without a stack trace, or a clean read of a large valid file.
// No message may quote the secret that sits outside the model's folder.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/cli';
// @ts-expect-error -- a plain ES module shared with scripts/fuzz.mjs; its cases are checked by shape below.
import { CRAFTED, SECRET } from '../../fuzz/crafted.mjs';

interface Case {
  name: string;
  finding: number;
  build(dir: string): { args: string[] };
  expect: { code: 0 } | { code: 2; message: RegExp };
}

const root = mkdtempSync(join(tmpdir(), 'bnlens-crafted-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('crafted hostile files', () => {
  it.each((CRAFTED as Case[]).map((c) => [`${c.name} (finding ${c.finding})`, c] as const))('%s', async (_label, c) => {
    const dir = join(root, c.name);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    const { args } = c.build(dir);
    let out = '';
    let err = '';
    const code = await runCli(args, { out: (t) => { out += `${t}\n`; }, err: (t) => { err += `${t}\n`; } });
    expect(err).not.toContain(SECRET.slice(0, 10));
    expect(out).not.toContain(SECRET.slice(0, 10));
    if (c.expect.code === 0) {
      expect([code, err]).toEqual([0, '']);
    } else {
      expect(code).toBe(2);
      const lines = err.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^bnlens: /);
      expect(lines[0]).toMatch(c.expect.message);
    }
  });
});
