import tseslint from 'typescript-eslint';

/**
 * Stdout belongs to the protocol: nothing under src/proxy, src/policy, src/limits, src/enforce,
 * src/approvals, src/audit or src/pins may print.
 * Only that rule, on TypeScript read by the typescript-eslint parser; the types are tsc's job.
 */
export default [
  {
    files: ['src/proxy/**/*.ts', 'src/policy/**/*.ts', 'src/limits/**/*.ts', 'src/enforce/**/*.ts', 'src/approvals/**/*.ts', 'src/audit/**/*.ts', 'src/pins/**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: { 'no-console': 'error' },
  },
];
