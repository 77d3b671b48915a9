import { createRequire } from 'node:module';
import type * as Re2js from 're2js';

let loaded: typeof Re2js | undefined;

/**
 * re2js, loaded when the first pattern is compiled: many policies have none, and loading it with
 * the rest cost about 15 ms of every start. Its CommonJS build is one file, read from node_modules
 * (the bundle leaves it out).
 */
export function re2js(): typeof Re2js {
  loaded ??= createRequire(import.meta.url)('re2js') as typeof Re2js;
  return loaded;
}
