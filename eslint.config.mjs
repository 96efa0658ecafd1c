// Flat config: typescript-eslint's recommended rules on our TypeScript, Node globals for scripts, and the
// rooms of the layout (README, "Layout") as import rules. These see one file's imports; the unit test
// test/unit/rooms.test.ts follows imports through other modules (the webview must not reach the engine
// even through src/shared), and test/unit/lintRooms.test.ts shows these rules failing a forbidden import.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.cache/**', 'test-results/**', '*.vsix', 'test/fixtures/**/*.js',
    // AssemblyScript (u32, v128, decorators): checked by its compiler, asc, in scripts/build-wasm.mjs.
    'src/engine/kernels/wasm/assembly/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'smart'],
    },
  },
  { files: ['webview/**/*.ts'], languageOptions: { globals: { ...globals.browser } } },
  ...rooms(),
);

/**
 * One config block per room, each with the whole list of what that room may not import (in a flat
 * config a later block replaces a rule's options, it does not add to them). A pattern is a regular
 * expression on the import as written; type-only imports are allowed where the message says so, since
 * the compiler erases them.
 */
function rooms() {
  const node = { regex: `^(node:|(${builtinModules.join('|')})(/|$))`, message: 'no Node modules in this room' };
  const ours = (room, names, allowTypeImports = false) => ({
    regex: `(^|/)(src/)?(${names.join('|')})(/|$)`,
    message: `${room} may not import src/{${names.join(',')}}${allowTypeImports ? ' except with import type' : ''} (README, "Layout")`,
    allowTypeImports,
  });
  const vscode = { name: 'vscode', message: 'only src/extension/ (and its tests, test/extension/) import vscode' };
  const rule = (paths, patterns) => ({ '@typescript-eslint/no-restricted-imports': ['error', { paths, patterns }] });
  // The engine's worker-thread modules: everything else in the engine loads without Node.
  // Keep in step with ENGINE_THREADS in test/unit/rooms.test.ts.
  const engineThreads = [
    'src/engine/worker/client.ts', 'src/engine/worker/trainingWorker.ts', 'src/engine/helperThreads.ts', 'src/engine/norm/parallel.ts',
    'src/engine/kernels/select.ts', 'src/engine/kernels/wasm/kernels.ts', 'src/engine/kernels/wasm/pool.ts',
  ];
  return [
    { files: ['**/*.{ts,mts,mjs,js}'], ignores: ['src/extension/**', 'test/extension/**'], rules: rule([vscode], []) },
    { files: ['src/engine/**/*.ts'], ignores: engineThreads, rules: rule([vscode], [ours('src/engine/', ['formats', 'shared', 'analysis', 'protocol', 'extension', 'cli', 'webview']), node]) },
    { files: engineThreads, rules: rule([vscode], [ours('src/engine/', ['formats', 'shared', 'analysis', 'protocol', 'extension', 'cli', 'webview'])]) },
    { files: ['src/formats/**/*.ts'], rules: rule([vscode], [ours('src/formats/', ['engine', 'shared', 'analysis', 'protocol', 'extension', 'cli', 'webview']), node]) },
    // Runs in the webview too: loads nothing but src/shared/ at run time; may name the types of the data it carries.
    { files: ['src/shared/**/*.ts'], rules: rule([vscode], [ours('src/shared/', ['engine', 'formats', 'analysis'], true), ours('src/shared/', ['protocol', 'extension', 'cli', 'webview']), node]) },
    { files: ['src/analysis/**/*.ts'], rules: rule([vscode], [ours('src/analysis/', ['protocol', 'extension', 'cli', 'webview'])]) },
    { files: ['src/protocol.ts', 'src/protocol/**/*.ts'], rules: rule([vscode], [ours('src/protocol', ['engine', 'formats', 'analysis', 'shared'], true), ours('src/protocol', ['extension', 'cli', 'webview']), node]) },
    { files: ['webview/**/*.ts'], rules: rule([vscode], [ours('webview/', ['engine', 'formats', 'analysis', 'extension', 'cli']), node]) },
  ];
}
