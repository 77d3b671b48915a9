#!/usr/bin/env node
// Summarizes V8 .cpuprofile files (from BENCH_CPU_PROF=dir or node --cpu-prof): the functions
// with the most self time, and with the most total time (self plus everything they call), summed
// over all the profiles given.
//   node bench/profile-summary.js <dir or files...> [--top 25] [--match text]
// --match keeps only profiles whose file name contains text (e.g. a pid).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const at = argv.indexOf(name);
  if (at === -1) return fallback;
  const [value] = argv.splice(at, 2).slice(1);
  return value;
};
const top = Number(option('--top', '25'));
const match = option('--match', '');
const files = argv
  .flatMap((path) => (statSync(path).isDirectory() ? readdirSync(path).map((name) => join(path, name)) : [path]))
  .filter((path) => path.endsWith('.cpuprofile') && path.includes(match));
if (files.length === 0) {
  process.stderr.write('usage: node bench/profile-summary.js <dir or .cpuprofile files...> [--top n] [--match text]\n');
  process.exit(2);
}

const self = new Map();
const total = new Map();
let allMicros = 0;

function nameOf(frame) {
  const file = frame.url ? relative(process.cwd(), frame.url.replace(/^file:\/\//, '')) : '';
  const where = file ? ` ${file}:${frame.lineNumber + 1}` : '';
  return `${frame.functionName || '(anonymous)'}${where}`;
}

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const micros = new Map();
  profile.samples.forEach((id, i) => micros.set(id, (micros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  for (const [id, us] of micros) {
    const node = nodes.get(id);
    const name = nameOf(node.callFrame);
    if (name.startsWith('(idle)')) continue;
    allMicros += us;
    self.set(name, (self.get(name) ?? 0) + us);
    // Each function on the stack gets the time once, however often it recurses.
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const frameName = nameOf(nodes.get(at).callFrame);
      if (seen.has(frameName)) continue;
      seen.add(frameName);
      total.set(frameName, (total.get(frameName) ?? 0) + us);
    }
  }
}

function print(title, map) {
  process.stdout.write(`\n${title}\n`);
  const rows = [...map].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [name, us] of rows) {
    process.stdout.write(`${((100 * us) / allMicros).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}\n`);
  }
}

process.stdout.write(`${files.length} profile(s), ${(allMicros / 1000).toFixed(0)} ms busy (idle excluded)\n`);
print('self time', self);
print('total time (self + callees)', total);
