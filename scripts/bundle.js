#!/usr/bin/env node
// The last step of `npm run build`: bundles what tsc wrote (dist/cli/main.js and everything it
// imports, dependencies included) into dist/bundle/, which bin/policy-wrap.js starts. Start-up was
// mostly module loading: about 390 files (109 of ours, execa's 150 with its dependencies, Ajv's 95)
// resolved, read and compiled one by one. Bundled, the wrapper loads a few chunks; code splitting
// keeps main's lazy imports lazy, so --version still loads almost nothing and each subcommand only
// its own chunks.
//
// Paths that code finds from import.meta.url keep working because dist/bundle/ is as deep as
// dist/cli/ and dist/policy/ (../../package.json, ../../schemas/, ../policy/policy-validator.cjs).
// better-sqlite3 stays outside (a native addon, loaded from node_modules with createRequire).
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const outdir = `${dist}bundle`;

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [`${dist}cli/main.js`],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // jsonc-parser's `main` is a UMD build whose require()s a bundler cannot follow; its ESM build is fine.
  mainFields: ['module', 'main'],
  external: ['better-sqlite3'],
  chunkNames: 'chunk-[hash]',
  // CommonJS dependencies (Ajv, commander) call require() for Node's own modules.
  banner: { js: "import { createRequire as __policyWrapRequire } from 'node:module'; const require = __policyWrapRequire(import.meta.url);" },
  logLevel: 'warning',
  legalComments: 'none',
});
