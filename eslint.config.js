// Layering is enforced here (docs/architecture.md, "Layering"): each folder may import only what
// its environment has. tsconfig.*.json enforce the same for globals (DOM vs Node).
//
// TypeScript files are linted with type information (tsconfig.json, the editors' project that
// covers src and test): the rules that need it catch what review misses — a promise nobody awaits
// or catches, a switch that forgets a case of a union, a condition that is always true.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

// Builtins by exact name (`paths`), not as path patterns: a pattern `events` would also match a
// sibling file `./events`.
const noNodePaths = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)].map((name) => ({
  name,
  message: 'Node is not available here.',
}));
const noElectron = { name: 'electron', message: 'Only src/main/shell (and the preload) may import electron.' };

/** no-restricted-imports with type-only imports allowed (types carry no run-time code). */
function restrict(paths, patterns) {
  return {
    '@typescript-eslint/no-restricted-imports': ['error', { paths, patterns }],
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', '.cache/**', 'test-results/**', 'bench/go/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['*.ts'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/require-array-sort-compare': ['error', { ignoreStringArrays: true }],
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/prefer-promise-reject-errors': 'error',
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: restrict(
      [noElectron, ...noNodePaths],
      [{ group: ['**/main/**', '**/renderer/**'], message: 'src/shared depends on nothing else.' }],
    ),
  },
  {
    files: ['src/renderer/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: restrict(
      [noElectron, ...noNodePaths],
      [{ group: ['**/main/**'], message: 'The window talks to main only through the bridge contract.' }],
    ),
  },
  {
    files: ['src/main/core/**/*.ts'],
    rules: restrict(
      [noElectron],
      [{ group: ['**/shell/**', '**/renderer/**'], message: 'core works without Electron and without the window.' }],
    ),
  },
  {
    // The headless entry and anything else at the top of src/main: Electron belongs to the shell
    // (and the preload) only.
    files: ['src/main/*.ts'],
    ignores: ['src/main/preload.ts', 'src/main/preload-api.ts'],
    rules: restrict([noElectron], []),
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.{ts,mjs,js}', 'scripts/**/*.mjs'],
    rules: {
      // Tests may use electron's types (import type) but never load the real module.
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [{ ...noElectron, allowTypeImports: true }] }],
    },
  },
);
