// `bnlens train --config SPEC.json --out DIR`: trains the spec headless, in this process, with a progress
// bar on stderr, and saves the run to DIR in the studio's format (the studio opens it; `--out` names
// the run folder itself). Ctrl-C stops at the next step and saves the run as stopped.

import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { parseCsvRows } from '../engine/data/csv';
import { installKernels, isKernelChoice, KERNEL_CHOICES } from '../engine/kernels/select';
import { readKernelBinaries } from '../analysis/kernelFiles';
import type { TrainingJobConfig } from '../engine/worker/config';
import { runTrainingJob } from '../engine/worker/job';
import type { WorkerToHost } from '../engine/worker/messages';
import { nodeRunFs } from '../analysis/runs/nodeFs';
import { builtinSamples, parseSpecText, plannedSteps, recordEvery, resolveSpec, SpecError, type TrainingSpec } from '../analysis/runs/spec';
import { RunWriter } from '../analysis/runs/store';
import type { RunInfo } from '../shared/runs/types';
import type { CliIo } from './cli';
import { messageOf } from '../shared/errors';

export const TRAIN_HELP = `bnlens train --config SPEC.json --out DIR [--quiet] [--kernels auto|wasm|js]

Trains the model spec SPEC.json (a *.bnlens.json file: layers, dataset, optimizer, lr, batchSize,
epochs, seed; see schemas/bnlens-model.schema.json) in BN Lens' engine and saves the run to the folder
DIR (config.json, run.json, metrics.json, stats.index.json, stats.bin), which the Training Studio opens.
A progress bar goes to stderr (--quiet: none). Ctrl-C stops at the next step and saves the run as
stopped. Exit 0 when the run completed or was stopped, 2 for a bad spec or DIR, 1 when training failed.
--kernels (default: the BNLENS_KERNELS environment variable, else auto): auto runs the WebAssembly SIMD
kernels on two threads where they run and JavaScript otherwise; wasm insists on them; js forces the
JavaScript reference kernels.`;

export interface TrainOptions {
  /** Draw the bar with carriage returns (a terminal); otherwise one line per epoch. */
  readonly tty: boolean;
  readonly quiet: boolean;
  /** Set to true to stop at the next step (SIGINT does this in the CLI). */
  readonly shouldStop?: () => boolean;
  /** Time between two redraws of the bar; default 100 ms. */
  readonly redrawMs?: number;
  /** Where dist/kernels-*.wasm are; default the folder of this bundle (dist/). */
  readonly kernelsDir?: string;
}

/** Recording for a spec that does not say: ~200 frames over the run, with the ReLU outputs for dead units. */
export function withDefaultRecording(config: TrainingJobConfig): TrainingJobConfig {
  if (config.record) return config;
  const samples = config.dataset.kind === 'csv' ? Math.max(0, parseCsvRows(config.dataset.text, config.dataset.delimiter ?? ',').length - 1) : builtinSamples(config.dataset);
  return { ...config, record: { everySteps: recordEvery(plannedSteps(samples, config)), activations: true } };
}

function bar(fraction: number, width = 24): string {
  const full = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}]`;
}

const fmt = (v: number): string => (Number.isFinite(v) ? v.toPrecision(4) : String(v));

/**
 * Trains `config` in this process and saves the run as `outDir` (created; must not hold a run yet).
 * `progress` gets the worker's messages as they come (the CLI draws its bar from them).
 */
export async function trainToFolder(config: TrainingJobConfig, spec: TrainingSpec, outDir: string, label: string, onMessage: (m: WorkerToHost) => void, shouldStop: () => boolean = () => false): Promise<RunInfo> {
  const root = dirname(resolve(outDir));
  const writer = await RunWriter.create(nodeRunFs(root), '.', { name: basename(resolve(outDir)), label, spec });
  writer.startAutoFlush(2000);
  let failure: string | undefined;
  let cancelled = false;
  await runTrainingJob(config, (m) => {
    writer.handle(m);
    if (m.type === 'error') failure = m.message;
    if (m.type === 'done') cancelled = m.cancelled;
    onMessage(m);
  }, { isCancelled: shouldStop });
  return writer.finish(failure !== undefined ? 'failed' : cancelled ? 'stopped' : 'completed', failure);
}

export async function runTrain(args: readonly string[], io: CliIo, options: TrainOptions): Promise<number> {
  const value = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  if (args.includes('--help') || args.includes('-h')) {
    io.out(TRAIN_HELP);
    return 0;
  }
  const known = new Set(['--config', '--out', '--quiet', '--kernels']);
  const unknown = args.find((a, i) => a.startsWith('-') && !known.has(a) && !(i > 0 && ['--config', '--out', '--kernels'].includes(args[i - 1])));
  if (unknown) {
    io.err(`bnlens train: unknown option '${unknown}'\n\n${TRAIN_HELP}`);
    return 2;
  }
  const kernels = value('--kernels') ?? process.env.BNLENS_KERNELS ?? 'auto';
  if (!isKernelChoice(kernels)) {
    io.err(`bnlens train: --kernels (or BNLENS_KERNELS) must be one of ${KERNEL_CHOICES.join(', ')}, got '${kernels}'`);
    return 2;
  }
  const specPath = value('--config');
  const outDir = value('--out');
  if (!specPath || !outDir || specPath.startsWith('-') || outDir.startsWith('-')) {
    io.err(`bnlens train: needs --config SPEC.json and --out DIR\n\n${TRAIN_HELP}`);
    return 2;
  }
  let spec: TrainingSpec;
  let config: TrainingJobConfig;
  try {
    let text: string;
    try {
      text = await readFile(specPath, 'utf8');
    } catch {
      throw new SpecError(specPath, 'no such file');
    }
    spec = parseSpecText(text, specPath);
    const specDir = dirname(resolve(specPath));
    config = withDefaultRecording(await resolveSpec(spec, specPath, async (p) => {
      try {
        return await readFile(isAbsolute(p) ? p : resolve(specDir, p), 'utf8');
      } catch {
        return null;
      }
    }));
  } catch (e) {
    io.err(`bnlens: ${messageOf(e)}`);
    return 2;
  }
  try {
    if ((await stat(resolve(outDir, 'run.json'))).isFile()) {
      io.err(`bnlens: ${outDir}: already holds a run (run.json); choose another --out folder`);
      return 2;
    }
  } catch {
    // No run there yet: as it should be.
  }

  try {
    const binaries = kernels === 'js' ? undefined : await readKernelBinaries(options.kernelsDir ?? __dirname);
    const status = await installKernels({ choice: kernels, threads: Math.min(2, availableParallelism()), ...(binaries ? { binaries } : {}) });
    if (!options.quiet) io.err(`engine kernels: ${status.name} on ${status.threads} thread(s)${status.note ? ` (${status.note})` : ''}`);
  } catch (e) {
    io.err(`bnlens: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }

  let total = 0;
  let lastDraw = 0;
  let lastLine = '';
  const started = performance.now();
  const epochs = config.epochs;
  const draw = (m: WorkerToHost, force = false): void => {
    if (options.quiet) return;
    const now = performance.now();
    if (m.type === 'started') total = m.totalSteps;
    if (m.type === 'progress' && options.tty && (force || now - lastDraw >= (options.redrawMs ?? 100))) {
      lastDraw = now;
      lastLine = `${bar(total ? m.step / total : 0)} ${total ? Math.floor((100 * m.step) / total) : 0}% step ${m.step}/${total} · epoch ${m.epoch + 1}/${epochs} · loss ${fmt(m.loss)} · acc ${fmt(m.accuracy)} · ${((now - started) / 1000).toFixed(1)} s`;
      io.err(`\r${lastLine}\u001b[K`);
    }
    if (m.type === 'epoch' && !options.tty) {
      io.err(`${bar((m.epoch + 1) / epochs)} epoch ${m.epoch + 1}/${epochs} · step ${m.step}/${total} · train loss ${fmt(m.train.loss)} acc ${fmt(m.train.accuracy)}${m.validation ? ` · validation loss ${fmt(m.validation.loss)} acc ${fmt(m.validation.accuracy)}` : ''}`);
    }
  };
  const label = `${spec.name ?? basename(specPath)} · ${config.dataset.kind} · ${config.optimizer.type} lr ${config.lr} · batch ${config.batchSize} · ${config.epochs} epochs · seed ${config.seed}`;
  let info: RunInfo;
  try {
    info = await trainToFolder(config, spec, outDir, label, (m) => draw(m), options.shouldStop);
  } catch (e) {
    io.err(`${options.tty && lastLine ? '\n' : ''}bnlens: ${outDir}: ${messageOf(e)}`);
    return 2;
  }
  if (options.tty && lastLine && !options.quiet) io.err('');
  const val = info.finalValidation;
  const trainMode = info.finalValidationTrainMode;
  io.out(`${info.status === 'completed' ? 'Completed' : info.status === 'stopped' ? 'Stopped' : 'Failed'}: ${info.steps}${info.totalSteps ? `/${info.totalSteps}` : ''} steps in ${(info.wallMs / 1000).toFixed(1)} s${info.error ? ` (${info.error})` : ''}`);
  if (val) io.out(`validation accuracy ${fmt(val.accuracy)} in eval mode${trainMode ? `, ${fmt(trainMode.accuracy)} in train mode (batch statistics)` : ''}; loss ${fmt(val.loss)}`);
  io.out(`saved the run to ${outDir}`);
  return info.status === 'failed' ? 1 : 0;
}
