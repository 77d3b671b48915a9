#!/usr/bin/env node
// Summarizes V8 .cpuprofile files (from BENCH_CPU_PROF=dir or node --cpu-prof): the functions
// with the most self time, and with the most total time (self plus everything they call), summed
// over all the profiles given.
//   node bench/profile-summary.js <dir or files...> [--top 25] [--match text]
// --match keeps only profiles whose file name contains text (e.g. a pid).
// When the folder holds the windows.json the bench writes, each profile is cut to the part the bench
// measured (start-up and warm-up left out) and profiles without a measured part (probes) are
// skipped; --all counts every sample of every profile.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const at = argv.indexOf(name);
  if (at === -1) return fallback;
  const [value] = argv.splice(at, 2).slice(1);
  return value;
};
const top = Number(option('--top', '25'));
const match = option('--match', '');
const everything = argv.includes('--all');
if (everything) argv.splice(argv.indexOf('--all'), 1);
const files = argv
  .flatMap((path) => (statSync(path).isDirectory() ? readdirSync(path).map((name) => join(path, name)) : [path]))
  .filter((path) => path.endsWith('.cpuprofile') && path.includes(match));
if (files.length === 0) {
  process.stderr.write('usage: node bench/profile-summary.js <dir or .cpuprofile files...> [--top n] [--match text]\n');
  process.exit(2);
}

/** pid -> measured span [start, end] in µs of CLOCK_MONOTONIC, the clock of profile timestamps */
function windowsNear(file) {
  const path = join(dirname(file), 'windows.json');
  if (everything || !existsSync(path)) return undefined;
  return new Map(JSON.parse(readFileSync(path, 'utf8')).map((entry) => [entry.pid, entry.windowUs]));
}

const pidOf = (file) => Number(basename(file).split('.')[3]);

const self = new Map();
const total = new Map();
let allMicros = 0;

function nameOf(frame) {
  const file = frame.url ? relative(process.cwd(), frame.url.replace(/^file:\/\//, '')) : '';
  const where = file ? ` ${file}:${frame.lineNumber + 1}` : '';
  return `${frame.functionName || '(anonymous)'}${where}`;
}

let used = 0;
let windowMicros = 0;
for (const file of files) {
  const windows = windowsNear(file);
  const span = windows?.get(pidOf(file));
  if (windows && !span) continue;
  used += 1;
  if (span) windowMicros += span[1] - span[0];
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const micros = new Map();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (span && (at < span[0] || at > span[1])) return;
    micros.set(id, (micros.get(id) ?? 0) + delta);
  });
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

const cut = used > 0 && windowsNear(files[0]) ? ', cut to the measured part' : '';
const busyShare = windowMicros > 0 ? ` of ${(windowMicros / 1000).toFixed(0)} ms measured (${((100 * allMicros) / windowMicros).toFixed(0)} % of one core)` : '';
process.stdout.write(`${used} profile(s)${cut}, ${(allMicros / 1000).toFixed(0)} ms busy${busyShare} (idle excluded)\n`);
print('self time', self);
print('total time (self + callees)', total);
