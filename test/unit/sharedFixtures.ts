// Where the read-only shared fixtures live: `../shared/fixtures` beside the repository (so a fresh
// clone with shared/ next to it finds them, as CI has it).

import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const SHARED_FIXTURES = path.resolve(REPO_ROOT, '../shared/fixtures');

export function sharedFixture(...parts: string[]): string {
  return path.join(SHARED_FIXTURES, ...parts);
}
