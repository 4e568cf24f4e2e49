// The lint rules of CDK construct libraries (the set that projen gives cdklabs projects):
// typescript-eslint with type information, import hygiene, and the house formatting.
import stylistic from '@stylistic/eslint-plugin';
import importPlugin from 'eslint-plugin-import';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['node_modules/', 'dist/', 'cdk.out/', 'coverage/', '.tmp/', 'consumer/', 'rosetta/',
      'test/**/*.snapshot/', '**/*.js', '**/*.mjs', '**/*.d.ts'],
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: {
      '@typescript-eslint': tseslint.plugin,
      '@stylistic': stylistic,
      'import': importPlugin,
    },
    settings: {
      'import/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import/resolver': { typescript: { project: './tsconfig.json' }, node: {} },
    },
    rules: {
      // Formatting
      '@stylistic/indent': ['error', 2],
      '@stylistic/quotes': ['error', 'single', { avoidEscape: true }],
      '@stylistic/comma-dangle': ['error', 'always-multiline'],
      '@stylistic/comma-spacing': ['error', { before: false, after: true }],
      '@stylistic/no-multi-spaces': ['error', { ignoreEOLComments: false }],
      '@stylistic/array-bracket-spacing': ['error', 'never'],
      '@stylistic/array-bracket-newline': ['error', 'consistent'],
      '@stylistic/object-curly-spacing': ['error', 'always'],
      // Off: nested objects open on the line of their parent all over the tests others are writing.
      '@stylistic/object-curly-newline': 'off',
      // Off: tests and benches wrap long objects after any property, in 20+ places of files others are editing.
      '@stylistic/object-property-newline': 'off',
      '@stylistic/keyword-spacing': ['error'],
      '@stylistic/brace-style': ['error', '1tbs', { allowSingleLine: true }],
      '@stylistic/space-before-blocks': ['error'],
      '@stylistic/member-delimiter-style': ['error'],
      '@stylistic/semi': ['error', 'always'],
      '@stylistic/max-len': ['error', {
        code: 150, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreComments: true, ignoreRegExpLiterals: true,
      }],
      '@stylistic/quote-props': ['error', 'consistent-as-needed'],
      '@stylistic/key-spacing': ['error'],
      '@stylistic/no-multiple-empty-lines': ['error'],
      '@stylistic/no-trailing-spaces': ['error'],
      'curly': ['error', 'multi-line', 'consistent'],

      // Imports
      '@typescript-eslint/no-require-imports': 'error',
      'import/no-extraneous-dependencies': ['error', {
        devDependencies: ['test/**', 'scripts/**', 'bench/**', 'bin/**'],
        optionalDependencies: false,
        peerDependencies: true,
      }],
      'import/no-unresolved': ['error'],
      // Parents before siblings, as everywhere in this code base (projen's default sorts them together).
      'import/order': ['error', {
        groups: ['builtin', 'external', 'parent', 'sibling'],
        alphabetize: { order: 'asc', caseInsensitive: true },
      }],
      'import/no-duplicates': ['error'],

      // Correctness
      'no-shadow': 'off',
      '@typescript-eslint/no-shadow': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      'no-return-await': 'off',
      '@typescript-eslint/return-await': 'error',
      'dot-notation': 'error',
      'no-bitwise': 'error',
      '@typescript-eslint/member-ordering': ['error', {
        default: [
          'public-static-field', 'public-static-method', 'protected-static-field', 'protected-static-method',
          'private-static-field', 'private-static-method', 'field', 'constructor', 'method',
        ],
      }],
    },
  },
);
