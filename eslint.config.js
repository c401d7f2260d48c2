// ESLint flat config: typescript-eslint recommended (syntax only, no type information) over
// every TypeScript source directory, plus the Temporal workflow sandbox rules for workflows/.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const sourceDirs = ['src', 'api', 'workflows', 'activities', 'migrations', 'test', 'scripts'];
// The portal page (src/portal/ui) is browser code in .tsx; typescript-eslint leaves globals
// (window, document …) to the type checker, whose tsconfig there has the DOM library.
const tsFiles = [...sourceDirs.map((dir) => `${dir}/**/*.ts`), 'src/portal/ui/**/*.tsx'];

const nodeBuiltinMessage =
  'Workflow code runs in the Temporal sandbox and must be deterministic: no Node built-ins. Do the I/O in an activity.';

export default defineConfig(
  {
    ignores: ['**/node_modules/**', 'dist/**', '.hookline/**', 'migrations/.snapshot*', 'coverage/**', '.cache/**'],
  },
  {
    files: tsFiles,
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
    },
    linterOptions: {
      reportUnusedDisableDirectives: 'warn',
    },
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // Imports flow one way: api/ uses src/, never the reverse. What REST and MCP share (schemas,
    // presenters, errors) lives under src/; only the entry points of src/main wire the Koa app.
    files: ['src/**/*.ts'],
    ignores: ['src/main/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+api(?:/|$)',
              message: 'src/ may not import api/: move what both need (schemas, presenters, errors) under src/.',
            },
          ],
        },
      ],
    },
  },
  {
    // Workflow code is bundled into Temporal's deterministic sandbox. It may import its own
    // files, @temporalio/workflow and @temporalio/common, and only the *types* of activities.
    // (The `../` patterns assume workflows/ stays flat; a subfolder would need its own `../../` rules.)
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: builtinModules.map((name) => ({ name, message: nodeBuiltinMessage })),
          patterns: [
            { regex: '^node:', message: nodeBuiltinMessage },
            {
              // Anything outside workflows/ other than activities (handled below).
              regex: '^\\.\\./(?!activities(?:/|$))',
              message:
                'Workflow code may only import files under workflows/, @temporalio/workflow and @temporalio/common; project code outside workflows/ is not sandbox-safe.',
            },
            {
              regex: '^@temporalio/(?!(?:workflow|common)(?:/|$))',
              message: 'Workflow code may only use @temporalio/workflow and @temporalio/common.',
            },
            {
              regex: '^\\.\\./activities(?:/|$)',
              allowTypeImports: true,
              message:
                'Workflows may only use `import type` from activities; call activities through proxyActivities<typeof activities>().',
            },
          ],
        },
      ],
    },
  },
);
