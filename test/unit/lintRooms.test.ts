// `npm run lint` fails on a forbidden import: ESLint (with the project's eslint.config.mjs) on small
// sources placed, by name, in each room. The rules are in eslint.config.mjs; the test that follows
// imports through other modules is rooms.test.ts.

import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './fixtures';

const eslint = new ESLint({ cwd: REPO_ROOT });

/** The restricted-import messages ESLint gives `code` as if it were the file `file`. */
async function forbidden(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const used = 1;\n`, { filePath: path.join(REPO_ROOT, file) });
  return result.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
}

describe('ESLint keeps the rooms', () => {
  it('fails a forbidden import in each room', async () => {
    expect(await forbidden('src/engine/layers/x.ts', "import { readModel } from '../../formats/read';\nvoid readModel;")).toEqual([
      expect.stringMatching(/src\/engine\/ may not import src\/\{formats,shared,analysis,protocol,extension,cli,webview\}/),
    ]);
    expect(await forbidden('src/engine/tensor2.ts', "import { readFileSync } from 'node:fs';\nvoid readFileSync;")).toEqual([expect.stringContaining('no Node modules in this room')]);
    expect(await forbidden('src/formats/x.ts', "import * as vscode from 'vscode';\nvoid vscode;")).toEqual([expect.stringMatching(/only src\/extension\//)]);
    expect(await forbidden('src/analysis/x.ts', "import * as vscode from 'vscode';\nvoid vscode;")).toEqual([expect.stringMatching(/only src\/extension\//)]);
    expect(await forbidden('webview/studio/x.ts', "import { parseJobConfig } from '../../src/engine/worker/config';\nvoid parseJobConfig;")).toEqual([
      expect.stringMatching(/webview\/ may not import src\/\{engine,formats,analysis,extension,cli\}/),
    ]);
    expect(await forbidden('webview/x.ts', "import type { ModelDescription } from '../src/formats/model';\nexport type M = ModelDescription;")).toHaveLength(1);
    expect(await forbidden('webview/x.ts', "import { join } from 'path';\nvoid join;")).toEqual([expect.stringContaining('no Node modules in this room')]);
    expect(await forbidden('src/shared/runs/x.ts', "import { parseJobConfig } from '../../engine/worker/config';\nvoid parseJobConfig;")).toEqual([
      expect.stringMatching(/src\/shared\/ may not import src\/\{engine,formats,analysis\} except with import type/),
    ]);
  });

  it('lets the allowed ones through', async () => {
    expect(await forbidden('src/extension/x.ts', "import * as vscode from 'vscode';\nvoid vscode;")).toEqual([]);
    expect(await forbidden('src/engine/worker/client.ts', "import { Worker } from 'node:worker_threads';\nvoid Worker;")).toEqual([]);
    expect(await forbidden('src/shared/runs/x.ts', "import type { TensorSummary } from '../../engine/recorder';\nexport type T = TensorSummary;")).toEqual([]);
    expect(await forbidden('webview/studio/x.ts', "import { decodeFrames } from '../../src/shared/runs/frames';\nvoid decodeFrames;")).toEqual([]);
    expect(await forbidden('src/analysis/x.ts', "import { Tensor } from '../engine/tensor';\nvoid Tensor;")).toEqual([]);
  });
});
