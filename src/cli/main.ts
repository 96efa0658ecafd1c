// Entry point of the bnlens CLI (bundled to dist/cli.js by scripts/build.mjs).

import { runCli } from './cli';
import { runTrain } from './train';

// A reader that stops early (`bnlens inspect … --json | head`) closes the pipe: the rest of the output
// has nowhere to go, which is not an error, so the CLI ends quietly instead of with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
}

const io = {
  out: (text: string) => process.stdout.write(`${text}\n`),
  err: (text: string) => process.stderr.write(`${text}\n`),
};
const args = process.argv.slice(2);

if (args[0] === 'train') {
  // Ctrl-C once stops at the next step and saves the run as stopped; a second Ctrl-C quits at once.
  let stop = false;
  process.on('SIGINT', () => {
    if (stop) process.exit(130);
    stop = true;
  });
  // The bar redraws its line with \r, so it writes without the newline `io.err` adds.
  const barIo = { out: io.out, err: (text: string) => process.stderr.write(text.startsWith('\r') ? text : `${text}\n`) };
  void runTrain(args.slice(1), barIo, { tty: process.stderr.isTTY === true, quiet: args.includes('--quiet'), shouldStop: () => stop }).then((code) => {
    process.exitCode = code;
  });
} else {
  void runCli(args, io).then((code) => {
    process.exitCode = code;
  });
}
