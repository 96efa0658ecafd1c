// Hostile run folders (issue 12, findings 1 and 2), built at test time in a workspace folder next to an
// "outside" folder holding a secret: a run.json whose name climbs out of the workspace, a
// stats.index.json listing a file outside, run files that are symbolic links to the secret, an export
// folder that is a symbolic link out. Shared by test/unit/hostile/runFolders.test.ts and the real-VS Code
// test (test/extension/hostile.test.ts).

import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const RUN_SECRET = 'RUN-SECRET-51c0de: bytes that must never show';

const info = (name) => `${JSON.stringify({ version: 1, name, createdAt: '2026-01-01T00:00:00.000Z', status: 'completed', steps: 0, totalSteps: 0, wallMs: 1, layers: [], parameterCount: 0, label: 'hostile' }, null, 2)}\n`;

/**
 * Builds `workspace/.bnlens/runs/<case>` for each case and `outside/` beside the workspace; returns the
 * run names by what they try. `outside` is where nothing may be written or read from.
 */
export function buildHostileRuns(workspace, outside) {
  const runs = join(workspace, '.bnlens', 'runs');
  mkdirSync(runs, { recursive: true });
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, 'secret.txt'), RUN_SECRET);
  const run = (name, files) => {
    mkdirSync(join(runs, name));
    for (const [file, text] of Object.entries(files)) writeFileSync(join(runs, name, file), text);
    return name;
  };
  const climb = '../'.repeat(12);
  return {
    /** run.json names the run "../../…/outside/pwned": an export must still land in the run's folder. */
    exportEscape: run('evil-export', { 'run.json': info(`${climb}${outside.replace(/^\//, '')}/pwned`), 'config.json': '{"layers": []}\n' }),
    /** stats.index.json lists a chunk outside the run folder. */
    indexEscape: run('evil-index', {
      'run.json': info('evil-index'), 'config.json': '{"layers": []}\n',
      'stats.index.json': JSON.stringify({ version: 1, schema: { layers: [], gradients: [] }, chunks: [{ file: `${climb}${outside.replace(/^\//, '')}/secret.txt`, frames: [[0, 0, 8]] }] }),
    }),
    /** stats.bin is a symbolic link to the secret. */
    chunkLink: (() => {
      const name = run('evil-chunk-link', {
        'run.json': info('evil-chunk-link'), 'config.json': '{"layers": []}\n',
        'stats.index.json': JSON.stringify({ version: 1, schema: { layers: [], gradients: [] }, chunks: [{ file: 'stats.bin', frames: [[0, 0, 8]] }] }),
      });
      symlinkSync(join(outside, 'secret.txt'), join(runs, name, 'stats.bin'));
      return name;
    })(),
    /** run.json itself is a symbolic link to the secret (a JSON error would quote it). */
    infoLink: (() => {
      const name = run('evil-info-link', { 'config.json': '{"layers": []}\n' });
      symlinkSync(join(outside, 'secret.txt'), join(runs, name, 'run.json'));
      return name;
    })(),
    /** The run's tensorboard/ export folder is a symbolic link to the outside folder. */
    exportLink: (() => {
      const name = run('evil-export-link', { 'run.json': info('evil-export-link'), 'config.json': '{"layers": []}\n' });
      symlinkSync(outside, join(runs, name, 'tensorboard'));
      return name;
    })(),
  };
}
