// Entry point of the bnlens CLI (bundled to dist/cli.js by scripts/build.mjs).

import { runCli } from './cli';

void runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
}).then((code) => {
  process.exitCode = code;
});
