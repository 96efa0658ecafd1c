// Makes sure /usr/bin/python3 can import PyTorch for the tests of BN Lens' Python companion
// (test/unit/python/*.test.ts): Debian's python3-torch, installed with apt-get when missing. `npm test`
// runs it before the unit tests; a re-run that finds torch importable returns at once.
// Measured on a 2-core Debian 12 machine: apt-get update + install python3-torch took 73 s (1.13.1).
//   node scripts/python-env.mjs
import { spawnSync } from 'node:child_process';

const PYTHON = '/usr/bin/python3';
const PACKAGES = ['python3-torch'];

function importsTorch() {
  return spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

function apt(args) {
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  // Waits for dpkg's lock rather than failing when another apt-get holds it.
  const [cmd, ...rest] = [...sudo, 'apt-get', '-o', 'DPkg::Lock::Timeout=300', ...args];
  const r = spawnSync(cmd, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0) throw new Error(`\`${[cmd, ...rest].join(' ')}\` ${r.error ? `could not start: ${r.error.message}` : `exited with ${r.status}`}`);
}

if (!importsTorch()) {
  const started = Date.now();
  console.log(`[python-env] ${PYTHON} cannot import torch: installing ${PACKAGES.join(' ')} with apt-get (about 75 s)`);
  try {
    apt(['update', '-q']);
    apt(['install', '-y', '-q', ...PACKAGES]);
  } catch (e) {
    console.error(`[python-env] ${e.message}; install ${PACKAGES.join(' ')} by hand (apt-get install ${PACKAGES.join(' ')})`);
    process.exit(1);
  }
  if (!importsTorch()) {
    console.error(`[python-env] ${PACKAGES.join(' ')} is installed but ${PYTHON} still cannot import torch`);
    process.exit(1);
  }
  console.log(`[python-env] done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
