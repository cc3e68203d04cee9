// ESLint for the whole repository (`npm run lint`, and a step of .ci/run): JavaScript's and
// typescript-eslint's recommended rules, React's rules of hooks in the renderer, and the
// boundaries the architecture relies on (docs/decisions/0011-typed-contract-and-checks.md).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['out/', 'dist/', '.tsbuild/', '.vite/', 'test-results/', '.electron-native/', 'node_modules/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `_name` marks a value left unused on purpose (a destructured field dropped, a callback's parameter).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    extends: [reactHooks.configs.flat['recommended-latest']],
    rules: {
      // A missing dependency is a stale value on screen: an error, not a warning.
      'react-hooks/exhaustive-deps': 'error',
      // Off: it only reports that the React Compiler skips components using TanStack Virtual; we do not compile with it.
      'react-hooks/incompatible-library': 'off',
      // The renderer runs in a sandboxed page: no Node modules, and core as types only (erased at
      // build), except core/domain, which is pure (no I/O, no Node: docs/design.md).
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'electron'], message: 'the renderer runs in a sandboxed page without Node' },
          { regex: '(^|/)core/(?!domain/)', allowTypeImports: true, message: 'import core as types only (import type): the renderer never bundles server code' },
        ],
      }],
    },
  },
  {
    // Off where code reads third-party JSON field by field (PSP webhooks and reports, feed files)
    // and in tests, fakes and scripts, whose fixtures are loose on purpose.
    files: ['core/sync/**/*.ts', 'test/**/*.ts', 'scripts/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['common/**/*.ts'],
    rules: {
      // Isomorphic: core and renderer both import it.
      'no-restricted-imports': ['error', { patterns: [{ group: ['*'], message: 'common/ imports nothing: it runs in Node and in the browser' }] }],
    },
  },
);
