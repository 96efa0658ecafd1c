// Preloaded (node --import) into each CLI run of the fuzz suite (scripts/fuzz.mjs): at exit, the
// process's peak resident memory (KB) goes to the file named by BNLENS_FUZZ_RSS, leaving stdout and
// stderr to the CLI.
import { writeFileSync } from 'node:fs';

const target = process.env.BNLENS_FUZZ_RSS;
if (target) process.on('exit', () => writeFileSync(target, String(process.resourceUsage().maxRSS)));
