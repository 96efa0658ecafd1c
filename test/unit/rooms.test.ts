// The rooms of the house (README, "Layout"), checked on the import graph of src/ and webview/.
// ESLint's no-restricted-imports (eslint.config.mjs) stops a forbidden import where it is written;
// this test follows imports through other modules, which a per-file rule cannot: the webview must not
// reach the engine even through a module of src/shared or src/protocol.
//
// Runtime imports are what a bundle carries. A type-only import (`import type`, `export type`, or an
// import whose names are all `type`) is erased by the compiler: src/shared and src/protocol may name
// the types of the data they carry wherever those are defined (the recorder's TensorSummary, say),
// and the webview bundle still holds no engine code. Engine and formats import nothing of ours at
// all, types included.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './fixtures';

interface Edge {
  /** The specifier as written. */
  readonly spec: string;
  /** Repository-relative file for our own modules, else null (a package or a Node built-in). */
  readonly file: string | null;
  readonly typeOnly: boolean;
}

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(REPO_ROOT, dir)).flatMap((name) => {
    const rel = `${dir}/${name}`;
    if (statSync(path.join(REPO_ROOT, rel)).isDirectory()) return sourceFiles(rel);
    return /\.ts$/.test(name) && !/\.d\.ts$/.test(name) ? [rel] : [];
  });
}

function resolveRelative(from: string, spec: string): string {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  for (const candidate of [base, `${base}.ts`, `${base}/index.ts`]) {
    const abs = path.join(REPO_ROOT, candidate);
    try {
      if (statSync(abs).isFile()) return candidate;
    } catch {
      // not this candidate
    }
  }
  throw new Error(`${from}: cannot resolve '${spec}'`);
}

/** Every import of one file: static imports and re-exports, `import()` and `require()`. */
function importsOf(file: string, text = readFileSync(path.join(REPO_ROOT, file), 'utf8')): Edge[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const edges: Edge[] = [];
  const add = (spec: string, typeOnly: boolean): void => {
    edges.push({ spec, typeOnly, file: spec.startsWith('.') ? resolveRelative(file, spec) : null });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
      const allTypes = !!clause && !clause.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly);
      add(node.moduleSpecifier.text, !!clause?.isTypeOnly || allTypes);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : undefined;
      add(node.moduleSpecifier.text, node.isTypeOnly || (!!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
    } else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteral(node.arguments[0])
      && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      add(node.arguments[0].text, false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

const FILES = [...sourceFiles('src'), ...sourceFiles('webview')];
const GRAPH = new Map(FILES.map((f) => [f, importsOf(f)]));

/** The modules `file` loads at run time, itself included, following runtime imports only. */
function runtimeClosure(file: string, graph: ReadonlyMap<string, readonly Edge[]> = GRAPH): Map<string, string[]> {
  const chains = new Map<string, string[]>([[file, [file]]]);
  const queue = [file];
  while (queue.length) {
    const at = queue.shift()!;
    for (const edge of graph.get(at) ?? []) {
      if (edge.typeOnly) continue;
      const target = edge.file ?? edge.spec;
      if (chains.has(target)) continue;
      chains.set(target, [...chains.get(at)!, target]);
      if (edge.file) queue.push(edge.file);
    }
  }
  return chains;
}

type Room = 'engine' | 'formats' | 'shared' | 'analysis' | 'protocol' | 'extension' | 'cli' | 'webview';

function roomOf(file: string): Room {
  if (file.startsWith('webview/')) return 'webview';
  if (file === 'src/protocol.ts' || file.startsWith('src/protocol/')) return 'protocol';
  const room = file.split('/')[1];
  if (['engine', 'formats', 'shared', 'analysis', 'extension', 'cli'].includes(room)) return room as Room;
  throw new Error(`${file} is in no room: add it to the layout (README) and to this test`);
}

/** "a → b → c" for a message. */
const chain = (steps: readonly string[]): string => steps.join(' → ');

/** Every violation as a line naming the file and the import, so a failure says what to fix. */
function violations(graph: ReadonlyMap<string, readonly Edge[]> = GRAPH): string[] {
  const found: string[] = [];
  for (const [file, edges] of graph) {
    const room = roomOf(file);
    for (const edge of edges) {
      const target = edge.file ? roomOf(edge.file) : null;
      const say = (why: string): void => { found.push(`${file} imports '${edge.spec}': ${why}`); };
      if (edge.spec === 'vscode' && room !== 'extension') say('only src/extension/ may import vscode');
      if ((room === 'engine' || room === 'formats') && target && target !== room) say(`${room} imports nothing of ours outside src/${room}/`);
      if (room === 'engine' && NODE_BUILTINS.has(edge.spec) && !ENGINE_THREADS.has(file)) say(`in the engine only ${[...ENGINE_THREADS].join(', ')} use Node (worker threads)`);
      if (room === 'formats' && NODE_BUILTINS.has(edge.spec)) say('readers take bytes, not files: no Node modules in src/formats/');
      if (room === 'shared' && !edge.typeOnly && (target ? target !== 'shared' : true)) say('src/shared/ runs in the webview too: at run time it loads only src/shared/ modules');
      if (room === 'protocol' && !edge.typeOnly && target !== 'protocol') say('the protocol is types only: import type');
      if (room === 'analysis' && target && !['engine', 'formats', 'shared', 'analysis'].includes(target)) say('analysis depends on engine, formats and shared only');
      if (room === 'webview' && target && !['webview', 'shared', 'protocol'].includes(target)) say('the webview imports webview/, src/shared/ and src/protocol only');
      if (room === 'webview' && NODE_BUILTINS.has(edge.spec)) say('the webview runs in a browser: no Node modules');
      if ((room === 'engine' || room === 'formats' || room === 'analysis' || room === 'shared') && target && ['extension', 'cli', 'webview', 'protocol'].includes(target)) say(`${room} must not depend on ${target}`);
    }
  }
  // Through other modules: what the webview and the engine's pure parts load at run time.
  for (const file of graph.keys()) {
    const room = roomOf(file);
    if (room !== 'webview' && room !== 'shared' && !(room === 'engine' && !ENGINE_THREADS.has(file))) continue;
    for (const [target, steps] of runtimeClosure(file, graph)) {
      const targetRoom = target.includes('/') && (target.startsWith('src/') || target.startsWith('webview/')) ? roomOf(target) : null;
      if (room !== 'engine' && targetRoom && !['webview', 'shared', 'protocol'].includes(targetRoom)) found.push(`${file} loads ${target} at run time: ${chain(steps)}`);
      if (NODE_BUILTINS.has(target) || target === 'vscode') found.push(`${file} loads ${target} at run time: ${chain(steps)}`);
    }
  }
  return [...new Set(found)].sort();
}

/**
 * The engine's modules that use worker threads (the training worker, the helper threads and their users: parallel normalization kernels, the
 * WebAssembly kernels' thread pool and the module that installs those kernels); everything else in the
 * engine loads without Node.
 */
const ENGINE_THREADS = new Set([
  'src/engine/worker/client.ts', 'src/engine/worker/trainingWorker.ts', 'src/engine/helperThreads.ts', 'src/engine/norm/parallel.ts',
  'src/engine/kernels/select.ts', 'src/engine/kernels/wasm/kernels.ts', 'src/engine/kernels/wasm/pool.ts',
]);

describe('the rooms of the layout', () => {
  it('hold: no forbidden import, directly or through another module', () => {
    expect(violations()).toEqual([]);
  });

  it('the check sees an import through another module, and type-only imports as erased', () => {
    const edges = importsOf('webview/x.ts', [
      "import type { A } from '../src/engine/tensor';",
      "import { type B, type C } from '../src/engine/tensor';",
      "import { formatNumber } from './format';",
      "export type { D } from '../src/formats/model';",
      "const w = require('node:worker_threads');",
      "type E = import('../src/engine/layer').Layer;",
    ].join('\n'));
    expect(edges.map((e) => [e.spec, e.typeOnly])).toEqual([
      ['../src/engine/tensor', true], ['../src/engine/tensor', true], ['./format', false],
      ['../src/formats/model', true], ['node:worker_threads', false], ['../src/engine/layer', true],
    ]);
    // The runtime closure of a studio view file reaches frames.ts (shared), never the engine it names types of.
    const closure = runtimeClosure('webview/studio/runModel.ts');
    expect(closure.has('src/shared/runs/frames.ts')).toBe(true);
    expect([...closure.keys()].filter((f) => f.startsWith('src/engine/'))).toEqual([]);
    // The studio's form used to reach src/engine/worker/config.ts through presets.ts and spec.ts; the
    // analysis side of presets still does, which is why the webview may not import it.
    expect(chain(runtimeClosure('src/analysis/runs/presets.ts').get('src/engine/worker/config.ts') ?? [])).toMatch(/presets\.ts → .*spec\.ts → src\/engine\/worker\/config\.ts/);
  });

  it('a forbidden import two modules away fails, naming the chain', () => {
    const graph = new Map<string, Edge[]>(GRAPH);
    graph.set('webview/fake.ts', [{ spec: '../src/shared/fake', file: 'src/shared/fake.ts', typeOnly: false }]);
    graph.set('src/shared/fake.ts', [
      { spec: '../engine/tensor', file: 'src/engine/tensor.ts', typeOnly: false },
      { spec: 'vscode', file: null, typeOnly: false },
    ]);
    expect(violations(graph)).toEqual([
      "src/shared/fake.ts imports '../engine/tensor': src/shared/ runs in the webview too: at run time it loads only src/shared/ modules",
      "src/shared/fake.ts imports 'vscode': only src/extension/ may import vscode",
      "src/shared/fake.ts imports 'vscode': src/shared/ runs in the webview too: at run time it loads only src/shared/ modules",
      'src/shared/fake.ts loads src/engine/tensor.ts at run time: src/shared/fake.ts → src/engine/tensor.ts',
      'src/shared/fake.ts loads vscode at run time: src/shared/fake.ts → vscode',
      'webview/fake.ts loads src/engine/tensor.ts at run time: webview/fake.ts → src/shared/fake.ts → src/engine/tensor.ts',
      'webview/fake.ts loads vscode at run time: webview/fake.ts → src/shared/fake.ts → vscode',
    ]);
  });
});
