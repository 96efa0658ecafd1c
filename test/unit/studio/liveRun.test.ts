// LiveRun: the worker's messages reach the page batched (at most one update per throttle interval),
// every step exactly once, and Stop/Pause/failures end in a saved run with the right status.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeFrames } from '../../../src/shared/runs/frames';
import { nodeRunFs } from '../../../src/analysis/runs/nodeFs';
import { readRun, RunWriter } from '../../../src/analysis/runs/store';
import type { StatsSchema } from '../../../src/shared/runs/types';
import type { TrainingClient, TrainingClientEvents } from '../../../src/engine/worker/client';
import type { TrainingJobConfig } from '../../../src/engine/worker/config';
import { runTrainingJob } from '../../../src/engine/worker/job';
import { LiveRun } from '../../../src/analysis/runs/liveRun';
import type { RunUpdate } from '../../../src/protocol/studio';

/** TrainingClient's surface over the job run in this process (a step every `stepMs`), so the test needs no worker bundle. */
function inProcessClient(stepMs: number): TrainingClient {
  const listeners = new Map<string, Set<(e: unknown) => void>>();
  let cancelled = false;
  let paused = false;
  const emit = (type: string, e: unknown): void => listeners.get(type)?.forEach((l) => l(e));
  const client = {
    on<K extends keyof TrainingClientEvents>(event: K, listener: (e: TrainingClientEvents[K]) => void) {
      const set = listeners.get(event) ?? new Set();
      set.add(listener as (e: unknown) => void);
      listeners.set(event, set);
      return () => set.delete(listener as (e: unknown) => void);
    },
    start(config: TrainingJobConfig) {
      void runTrainingJob(config, (m) => emit(m.type, m), {
        isCancelled: () => cancelled, isPaused: () => paused, yieldToEvents: () => new Promise((r) => setTimeout(r, stepMs)),
      });
    },
    cancel: () => { cancelled = true; },
    pause: () => { paused = true; },
    resume: () => { paused = false; },
    terminate: async () => { cancelled = true; },
  };
  return client as unknown as TrainingClient;
}

const job: TrainingJobConfig = {
  dataset: { kind: 'moons', samples: 200, standardize: true },
  layers: [{ type: 'dense', units: 8, name: 'fc' }, { type: 'batchnorm', name: 'bn' }, { type: 'relu', name: 'act' }, { type: 'dense', units: 2, name: 'out' }],
  optimizer: { type: 'adam' }, lr: 0.01, batchSize: 16, epochs: 6, seed: 2,
  record: { everySteps: 3, bins: 8, activations: true },
};

const dir = mkdtempSync(join(tmpdir(), 'bnlens-live-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function live(name: string, stepMs: number, throttleMs: number, config: TrainingJobConfig = job): Promise<{ run: LiveRun; updates: { at: number; u: RunUpdate }[] }> {
  const writer = await RunWriter.create(nodeRunFs(dir), 'runs', { name, label: name, spec: { layers: job.layers } });
  const updates: { at: number; u: RunUpdate }[] = [];
  const run = new LiveRun({ client: inProcessClient(stepMs), writer, throttleMs, saveEveryMs: 50, post: (u) => updates.push({ at: performance.now(), u: structuredClone(u) }) });
  run.start(config);
  return { run, updates };
}

/** Waits for a state, within the test's time limit (vitest's testTimeout is 60 s). */
async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 50_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`still waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
describe('LiveRun', () => {

  it('batches updates to at most one per throttle interval and delivers every step once', async () => {
    const { run, updates } = await live('batched', 1, 40);
    const info = await run.ended;
    expect(info.status).toBe('completed');
    const steps = updates.flatMap(({ u }) => Array.from(u.steps.step));
    expect(steps).toEqual(Array.from({ length: info.steps }, (_, i) => i + 1));
    // 60 steps at ≥1 ms each, updates at most every 40 ms (the last one, with the final status, comes at the end).
    expect(updates.length).toBeLessThan(info.steps / 2);
    // Timers may fire a millisecond or two early; a throttle that did not work would post every 1–2 ms.
    for (let i = 1; i < updates.length - 1; i++) expect(updates[i].at - updates[i - 1].at).toBeGreaterThanOrEqual(34);
    let schema: StatsSchema = { layers: [], gradients: [] };
    const frames = updates.flatMap(({ u }) => {
      schema = u.schema ?? schema;
      return decodeFrames(u.frames, schema, 'update');
    });
    expect(frames.map((f) => f.step)).toEqual(Array.from({ length: Math.floor(info.steps / 3) }, (_, i) => 3 * (i + 1)));
    expect(updates[updates.length - 1].u.info.status).toBe('completed');
    const saved = await readRun(nodeRunFs(dir), 'runs/batched');
    expect(saved.frames).toEqual(frames);
  });

  it('pause holds the run and stop saves it as stopped with what it trained', async () => {
    // Long enough that it cannot finish before the stop, however slow a loaded CI machine makes the timers.
    const { run, updates } = await live('stopped', 2, 20, { ...job, epochs: 500 });
    const last = (): RunUpdate['info'] | undefined => updates[updates.length - 1]?.u.info;
    await until(() => (last()?.steps ?? 0) > 0, 'the first steps');
    run.pause();
    // The step in flight reports, then the update saying 'paused' goes out.
    await until(() => last()?.status === 'paused', 'the paused update');
    const pausedAt = last()!;
    await until(async () => (await readRun(nodeRunFs(dir), 'runs/stopped', true)).info.status === 'paused', 'the paused run saved');
    // Held: a while later neither the page nor the saved run has moved on.
    await new Promise((r) => setTimeout(r, 150));
    expect(last()?.steps).toBe(pausedAt.steps);
    expect((await readRun(nodeRunFs(dir), 'runs/stopped', true)).info.steps).toBe(pausedAt.steps);
    run.resume();
    await until(() => (last()?.steps ?? 0) > pausedAt.steps, 'steps after Resume');
    const info = await run.stop();
    expect(info.status).toBe('stopped');
    expect(info.steps).toBeGreaterThan(pausedAt.steps);
    const saved = await readRun(nodeRunFs(dir), 'runs/stopped');
    expect(saved.info.status).toBe('stopped');
    expect(saved.steps.step.length).toBe(info.steps);
  });

  it('after resync() (a page starting afresh) the updates carry only what came after it', async () => {
    const { run, updates } = await live('resync', 2, 20);
    await new Promise((r) => setTimeout(r, 80));
    const snapshot = run.resync();
    const before = updates.length;
    const info = await run.ended;
    const after = updates.slice(before).flatMap(({ u }) => Array.from(u.steps.step));
    expect([...Array.from(snapshot.steps.step), ...after]).toEqual(Array.from({ length: info.steps }, (_, i) => i + 1));
    const frames = updates.slice(before).reduce((n, { u }) => n + u.frames.index.length / 2, 0);
    expect(snapshot.frames.length + frames).toBe(Math.floor(info.steps / 3));
  });

  it('a job the worker refuses ends as failed, with its reason', async () => {
    const writer = await RunWriter.create(nodeRunFs(dir), 'runs', { name: 'refused', label: 'x', spec: { layers: [] } });
    const run = new LiveRun({ client: inProcessClient(0), writer, post: () => undefined });
    run.start({ ...job, layers: [{ type: 'conv2d', filters: 2, kernelSize: 3 }] });
    const info = await run.ended;
    expect(info.status).toBe('failed');
    expect(info.error).toMatch(/conv2d needs samples shaped \[C, H, W\]/);
  });
});
