// Findings 1 and 2 of issue 12 on the run store: a run folder from a cloned repository cannot make an
// export write outside the workspace, nor make "Open run" read outside the run's folder, and no
// message quotes the bytes of the file outside.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRunFiles } from '../../../src/analysis/runs/export';
import { nodeRunFs } from '../../../src/analysis/runs/nodeFs';
import { checkRunPath, readRun, RunStoreError, type RunFs } from '../../../src/analysis/runs/store';
// @ts-expect-error -- a plain ES module shared with the real-VS Code test.
import { buildHostileRuns, RUN_SECRET } from '../../fuzz/hostileRuns.mjs';

let base: string;
let workspace: string;
let outside: string;
let fs: RunFs;
let runs: Record<'exportEscape' | 'indexEscape' | 'chunkLink' | 'infoLink' | 'exportLink', string>;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'bnlens-hostile-runs-'));
  workspace = join(base, 'workspace');
  outside = join(base, 'outside');
  runs = buildHostileRuns(workspace, outside);
  fs = nodeRunFs(workspace);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

const outsideFiles = (): string[] => readdirSync(outside).sort();

async function refusal(work: Promise<unknown>): Promise<string> {
  const error = await work.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(RunStoreError);
  const message = (error as Error).message;
  expect(message).not.toContain(RUN_SECRET.slice(0, 12));
  return message;
}

describe('a hostile run folder', () => {
  it('exports into its own folder whatever name run.json gives (finding 1)', async () => {
    const run = await readRun(fs, `.bnlens/runs/${runs.exportEscape}`);
    expect(run.info.name).toContain('../');
    const folder = await exportRunFiles(fs, `.bnlens/runs/${runs.exportEscape}`, run, 'tensorboard');
    expect(folder).toBe(`.bnlens/runs/${runs.exportEscape}/tensorboard`);
    const written = readdirSync(join(workspace, folder));
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^events\.out\.tfevents\.1767225600\.bnlens\.[A-Za-z0-9._-]+$/);
    expect(outsideFiles()).toEqual(['secret.txt']);
    expect(existsSync(join(base, 'pwned'))).toBe(false);
  });

  it('refuses to export through an export folder that is a symbolic link out (finding 1)', async () => {
    const run = await readRun(fs, `.bnlens/runs/${runs.exportLink}`);
    const message = await refusal(exportRunFiles(fs, `.bnlens/runs/${runs.exportLink}`, run, 'tensorboard'));
    expect(message).toMatch(/resolves \(through a symbolic link\) outside/);
    expect(outsideFiles()).toEqual(['secret.txt']);
  });

  it('refuses run names that are paths (finding 1)', () => {
    expect(() => checkRunPath('.bnlens/runs/../../x')).toThrow(/is not a path inside the runs folder \(segment '\.\.'\)/);
    expect(() => checkRunPath('.bnlens/runs/a\\..\\b')).toThrow(RunStoreError);
    expect(() => checkRunPath('.bnlens/runs/a\0b')).toThrow(/\\x00/);
  });

  it('refuses a chunk file listed outside the run folder, without reading it (finding 2)', async () => {
    const message = await refusal(readRun(fs, `.bnlens/runs/${runs.indexEscape}`));
    expect(message).toMatch(/stats\.index\.json: lists a chunk file '(\.\.\/)+.*secret\.txt'; chunks are stats\.bin or stats-NNNNN\.bin in the run's own folder/);
  });

  it('refuses run files that are symbolic links out, without quoting them (finding 2)', async () => {
    expect(await refusal(readRun(fs, `.bnlens/runs/${runs.chunkLink}`))).toMatch(/stats\.bin: resolves \(through a symbolic link\) to a file outside/);
    expect(await refusal(readRun(fs, `.bnlens/runs/${runs.infoLink}`))).toMatch(/run\.json: resolves \(through a symbolic link\) to a file outside/);
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe(RUN_SECRET);
  });
});
