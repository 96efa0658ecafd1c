// npm run package: builds bn-lens-<version>.vsix from the production build with the vsce in node_modules
// and checks what went in (only the files .vscodeignore lets through, from a production build, at most
// 5 MB). Installing it into a fresh workbench and looking at it is a test: npm run test:vscode does it
// (scripts/run-vscode-tests.mjs, which runs this script and then itself with --vsix).
//   node scripts/package.mjs     (after node scripts/build.mjs --production)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MAX_BYTES = 5 * 1024 * 1024;
// vsce adds [Content_Types].xml and extension.vsixmanifest; everything else must come from .vscodeignore's list.
const ALLOWED = [
  /^\[Content_Types\]\.xml$/,
  /^extension\.vsixmanifest$/,
  /^extension\/package\.json$/,
  /^extension\/readme\.md$/i,
  /^extension\/LICENSE(\.txt)?$/,
  /^extension\/dist\/(extension|webview|sidebar|studio|cli|worker|probeWorker)\.js$/,
  /^extension\/dist\/kernels-(simd|relaxed)\.wasm$/,
  /^extension\/media\//,
  /^extension\/schemas\//,
  /^extension\/python\/(pyproject\.toml|README\.md|bnlens\/\w+\.py)$/, // the training companion (Instrument Training Script…)
];

const fail = (msg) => {
  console.error(`[package] ${msg}`);
  process.exit(1);
};

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
for (const f of ['dist/extension.js', 'dist/webview.js']) {
  if (!existsSync(join(repoRoot, f))) fail(`${f} is missing: run node scripts/build.mjs --production first (npm run package does)`);
}

// vsce from node_modules (a devDependency), not a download through npx. --no-dependencies: the runtime
// code is bundled, so node_modules has nothing the extension needs. --no-rewrite-relative-links: vsce would
// turn README's media/… links into URLs of the repository's web host (which it cannot detect, so it
// refuses); left relative, they resolve inside the installed extension, which ships media/.
const vsix = join(repoRoot, `${pkg.name}-${pkg.version}.vsix`);
const require = createRequire(import.meta.url);
const vsce = join(dirname(require.resolve('@vscode/vsce/package.json')), 'vsce');
const args = ['package', '--no-dependencies', '--no-rewrite-relative-links', '--out', vsix];
const run = spawnSync(process.execPath, [vsce, ...args], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
if (run.status !== 0) fail(`vsce package failed (exit ${run.status ?? run.signal})`);

const size = statSync(vsix).size;
const files = unzipSync(readFileSync(vsix));
const entries = Object.keys(files).filter((e) => !e.endsWith('/'));
console.log(`[package] ${basename(vsix)}: ${(size / 1024).toFixed(1)} KiB, ${entries.length} files:`);
for (const e of entries) console.log(`  ${e}`);
const unexpected = entries.filter((e) => !ALLOWED.some((re) => re.test(e)));
if (unexpected.length) fail(`files that should not ship (fix .vscodeignore): ${unexpected.join(', ')}`);
// build.mjs does not empty dist/, so a bundle left by a development build (with a source map comment
// pointing at a .map that is not shipped) could slip in next to the production ones.
const devBuilt = entries.filter((e) => e.endsWith('.js') && new TextDecoder().decode(files[e]).includes('//# sourceMappingURL='));
if (devBuilt.length) fail(`not from a production build (they reference source maps): ${devBuilt.join(', ')}; run npm run package, which rebuilds`);
if (size > MAX_BYTES) fail(`${basename(vsix)} is ${(size / 2 ** 20).toFixed(2)} MiB, over the 5 MiB limit`);

console.log(`[package] ${vsix}`);
