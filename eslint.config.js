import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Import cycles and layer boundaries are checked by dependency-cruiser (.dependency-cruiser.cjs),
// which reports them with the rule's reason; ESLint covers code quality.
export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'weerbaar-demo/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-console': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
  {
    files: ['bin/**/*.js', 'bench/**/*.ts', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
);
