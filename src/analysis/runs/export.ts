// Export of a saved run, as a TensorBoard event file or as CSV files, into the run's own folder. File
// names are fixed or reduced to plain names (safeNamePart), and the RunFs refuses any path that leaves
// its root, so a run.json from a cloned repository cannot steer the write elsewhere.

import { runCsvFiles } from './csv';
import { checkRunPath, type RunFs } from './store';
import { eventFileName, tensorboardEventFile } from './tensorboard';
import type { RunData } from '../../shared/runs/types';

export type ExportFormat = 'tensorboard' | 'csv';

/** Writes the export under `runDir` (a store path); returns the folder written, as a store path. */
export async function exportRunFiles(fs: RunFs, runDir: string, run: RunData, format: ExportFormat): Promise<string> {
  checkRunPath(runDir);
  const folder = `${runDir}/${format}`;
  await fs.mkdir(folder);
  if (format === 'tensorboard') {
    await fs.write(`${folder}/${eventFileName(run)}`, tensorboardEventFile(run));
  } else {
    for (const f of runCsvFiles(run)) await fs.write(`${folder}/${f.name}`, new TextEncoder().encode(f.text));
  }
  return folder;
}
