// A private copy of the build under test. The bench starts policy-wrap a few hundred times over
// minutes; a rebuild of dist/ meanwhile (a watcher, a test run) would otherwise change what is
// measured half-way, or break it.
import { cpSync, existsSync, symlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const copied = ['bin', 'dist', 'schemas', 'package.json'];

/**
 * Copies the package that holds `entry` (…/bin/policy-wrap.js) into `into`, with node_modules
 * linked, and returns the copied entry point.
 */
export function snapshotBuild(entry, into) {
  const root = dirname(dirname(entry));
  for (const name of copied) {
    if (existsSync(join(root, name))) cpSync(join(root, name), join(into, name), { recursive: true });
  }
  symlinkSync(join(root, 'node_modules'), join(into, 'node_modules'), 'dir');
  return join(into, basename(dirname(entry)), basename(entry));
}
