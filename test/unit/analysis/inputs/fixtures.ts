// The probe-data fixtures (test/fixtures/probe-data, made by make_probe_data_fixtures.py) as the tests read them.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { readNpy } from '../../../../src/formats/npy';
import { REPO_ROOT } from '../../fixtures';

export const DATA = path.join(REPO_ROOT, 'test/fixtures/probe-data');
export const IMAGES = path.join(DATA, 'images');
export const GOLDEN = path.join(DATA, 'golden');

export const bytesOf = (file: string): Uint8Array => new Uint8Array(readFileSync(file));
export const golden = (name: string) => readNpy(name, bytesOf(path.join(GOLDEN, name)));
export const goldenJson = <T>(name: string): T => JSON.parse(readFileSync(path.join(GOLDEN, name), 'utf8')) as T;
/** The image files in the order the generator listed them (the same as by name). */
export const imageNames = (): string[] => goldenJson<{ images: string[] }>('golden.json').images;
export const folderEntries = (): string[] => readdirSync(IMAGES);

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
