// Type-aware lint: floating promises and non-exhaustive switches are errors, and
// a service never reaches into another service or a package's internals (CODE_STYLE.md, Layout).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/generated/**',
      'contracts/generated/**',
      '**/*.js',
      '**/*.mjs',
      '.test-results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@pc/*/src/*', '@pc/*/src'], message: 'import a package by its entry point (@pc/<name>) only' },
          ],
        },
      ],
    },
  },
  {
    // Production code of a service never imports another service (data moves by events or public API).
    files: ['services/*/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../../*/src/*', '../../../*/src/*', '../../../../*/src/*'],
              message: 'a service never imports another service',
            },
            { group: ['@pc/*/src/*'], message: 'import a package by its entry point only' },
          ],
        },
      ],
    },
  },
  {
    // The domain is pure: rules and decisions only, no I/O. What talks to a database, the broker or
    // SMTP lives in adapters/ and reaches the domain through use cases.
    files: ['services/*/src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'pg',
                '@prisma/*',
                'amqplib',
                'nodemailer',
                '../adapters',
                '../adapters/*',
                '../generated/*',
                '@pc/bus',
              ],
              message: 'domain/ is pure: I/O belongs in adapters/, called from a use case',
            },
            {
              group: ['../../*/src/*', '../../../*/src/*', '../../../../*/src/*'],
              message: 'a service never imports another service',
            },
            { group: ['@pc/*/src/*'], message: 'import a package by its entry point only' },
          ],
        },
      ],
    },
  },
);
