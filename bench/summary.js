// Turns raw runs into the figures the report shows: throughput, latency percentiles, ratios against
// the bare relay and direct, memory growth, and the verdict on each target.
import { median, percentile, pooledSorted } from './stats.js';

const MiB = 1024 * 1024;

/** Calls per second, or MiB per second for the large-result workloads. */
function throughputOf(workload, run) {
  return workload.kind === 'bytes' ? run.bytes / MiB / (run.elapsedMs / 1000) : run.calls / (run.elapsedMs / 1000);
}

/** Median over rounds of this run's figure divided by the reference's figure in the same round. */
function pairedRatio(runs, referenceRuns, figure) {
  const byRound = new Map(referenceRuns.map((run) => [run.round, run]));
  const ratios = [];
  for (const run of runs) {
    const reference = byRound.get(run.round);
    if (reference) ratios.push(figure(run) / figure(reference));
  }
  return ratios.length ? median(ratios) : undefined;
}

function roundMs(value, digits = 3) {
  return value === undefined || Number.isNaN(value) ? undefined : Math.round(value * 10 ** digits) / 10 ** digits;
}

function summarizeCell(workload, cell) {
  const { runs, errors } = cell;
  if (runs.length === 0) return { runs: 0, errors };
  const throughputs = runs.map((run) => throughputOf(workload, run));
  const summary = {
    runs: runs.length,
    errors,
    throughput: median(throughputs),
    throughputMin: Math.min(...throughputs),
    throughputMax: Math.max(...throughputs),
    messageBytes: Math.round(runs[0].bytes / runs[0].calls),
    perRun: runs.map((run) => ({
      round: run.round,
      throughput: throughputOf(workload, run),
      startupMs: roundMs(run.startupMs, 1),
      ...(run.wrapperCpuNs !== undefined ? { wrapperCpuUsPerCall: roundMs(run.wrapperCpuNs / 1000 / run.calls, 1) } : {}),
      firstCallMs: roundMs(run.firstCallMs, 2),
      ...(run.toolsListSha256 ? { toolsListSha256: run.toolsListSha256 } : {}),
      ...(run.latencies ? { p50Ms: roundMs(percentile([...run.latencies].sort((a, b) => a - b), 50)) } : {}),
      ...(run.memory ? { memory: run.memory } : {}),
    })),
  };
  if (runs[0].latencies) {
    const sorted = pooledSorted(runs.map((run) => run.latencies));
    summary.p50Ms = percentile(sorted, 50);
    summary.p99Ms = percentile(sorted, 99);
  }
  const cpu = runs.filter((run) => run.wrapperCpuNs !== undefined).map((run) => run.wrapperCpuNs / 1000 / run.calls);
  if (cpu.length) summary.wrapperCpuUsPerCall = median(cpu);
  const memories = runs.map((run) => run.memory).filter(Boolean);
  if (memories.length) {
    summary.memory = {
      idleRssBytes: median(memories.map((m) => m.idleRssBytes)),
      peakHwmBytes: median(memories.map((m) => m.peakHwmBytes)),
      growthBytes: median(memories.map((m) => m.peakHwmBytes - m.idleRssBytes)),
    };
  }
  return summary;
}

export function summarize({ configs, workloads, raw, startupAlone }) {
  const results = {};
  for (const workload of workloads) {
    results[workload.id] = {};
    const cells = raw[workload.id];
    for (const [configId, cell] of Object.entries(cells)) {
      const summary = summarizeCell(workload, cell);
      const figure = (run) => throughputOf(workload, run);
      if (cells.bare && configId !== 'bare' && summary.runs) summary.vsBare = pairedRatio(cell.runs, cells.bare.runs, figure);
      if (cells.direct && configId !== 'direct' && summary.runs) summary.vsDirect = pairedRatio(cell.runs, cells.direct.runs, figure);
      if (cells.bare && configId !== 'bare' && summary.wrapperCpuUsPerCall !== undefined) {
        summary.cpuVsBare = pairedRatio(cell.runs, cells.bare.runs, (run) => run.wrapperCpuNs / run.calls);
      }
      results[workload.id][configId] = summary;
    }
  }
  const toolsListBytes = toolsListIdentity(results);
  return {
    results,
    startup: startup(results),
    toolsListBytes,
    targets: [...issue16Targets(configs, results, startupAlone, toolsListBytes), ...targets(configs, workloads, results)],
    storeCost: storeCost(results),
  };
}

/**
 * Per configuration: whether every run's first tools/list reached the client byte for byte as the
 * server wrote it (the direct configuration's line), and how many distinct lines were seen.
 */
function toolsListIdentity(results) {
  const byConfig = {};
  for (const cells of Object.values(results)) {
    for (const [id, cell] of Object.entries(cells)) {
      for (const run of cell.perRun ?? []) if (run.toolsListSha256) (byConfig[id] ??= new Set()).add(run.toolsListSha256);
    }
  }
  const server = byConfig.direct;
  if (!server || server.size !== 1) return undefined;
  const [reference] = server;
  return Object.fromEntries(Object.entries(byConfig).map(([id, seen]) => [id, { identical: seen.size === 1 && seen.has(reference), distinct: seen.size }]));
}

/**
 * The targets of issue #16, in its order: start-up, throughput (below, with the older targets), CPU
 * per call, the SQLite store's cost (below), and a tools/list with nothing to hide forwarded as is.
 * `unit` tells the report how to print value and threshold.
 */
function issue16Targets(configs, results, startupAlone, toolsListBytes) {
  const list = [];
  const configOk = (id) => configs.some((c) => c.id === id && !c.skipped);
  for (const id of ['allowAll', 'enforceMemory', 'enforceSqlite', 'enforceRedis']) {
    const row = startupAlone?.initialize?.[id];
    if (!row || row.vsBare === undefined) continue;
    list.push({
      id: `startup-${id}`,
      target: `${labelOf(configs, id)}: spawn → initialize answered ≤ 1.3 × the bare relay's (${fixedMs(row.ms)} against ${fixedMs(startupAlone.initialize.bare?.ms)})`,
      unit: 'ratio-max',
      value: row.vsBare,
      threshold: 1.3,
      met: row.vsBare <= 1.3,
    });
  }
  for (const id of ['help', 'version']) {
    const row = startupAlone?.commands?.[id];
    if (!row || Number.isNaN(row.ms)) continue;
    list.push({
      id: `command-${id}`,
      target: `${row.label} wall time, start to exit (node -e 0 alone: ${fixedMs(startupAlone.commands.node?.ms)})`,
      unit: 'ms-max',
      value: row.ms,
      threshold: 150,
      met: row.ms <= 150,
    });
  }
  for (const [workload, threshold, what] of [
    ['inflight32', 2, '32 in flight'],
    ['small', 1.3, 'small calls one at a time'],
  ]) {
    const cell = results[workload]?.enforceMemory;
    if (!configOk('enforceMemory') || cell?.cpuVsBare === undefined) continue;
    list.push({
      id: `cpu-${workload}`,
      target: `enforcing (memory): CPU per call ≤ ${threshold} × the bare relay's, ${what}`,
      unit: 'ratio-max',
      value: cell.cpuVsBare,
      threshold,
      met: cell.cpuVsBare <= threshold,
    });
  }
  const allowAll = toolsListBytes?.allowAll;
  if (allowAll) {
    const lists = results.toolsList;
    const p50s = lists?.allowAll?.p50Ms !== undefined && lists.bare?.p50Ms !== undefined ? ` (p50 ${lists.allowAll.p50Ms.toFixed(3)} ms against the bare relay's ${lists.bare.p50Ms.toFixed(3)} ms)` : '';
    list.push({
      id: 'tools-list-bytes',
      target: `policy-wrap, allow-all: a tools/list with nothing to hide reaches the client byte for byte as the server wrote it${p50s}`,
      unit: 'text',
      value: allowAll.identical ? 'identical' : `re-written (${allowAll.distinct} distinct line${allowAll.distinct === 1 ? '' : 's'})`,
      threshold: 'identical',
      met: allowAll.identical,
    });
  }
  return list;
}

const fixedMs = (value) => (value === undefined || Number.isNaN(value) ? '–' : `${Math.round(value)} ms`);

function targets(configs, workloads, results) {
  const list = [];
  const configOk = (id) => configs.some((c) => c.id === id && !c.skipped);
  for (const workload of workloads) {
    const cell = results[workload.id]?.enforceMemory;
    if (!configOk('enforceMemory') || !configOk('bare')) continue;
    list.push({
      id: `throughput-${workload.id}`,
      target: `enforcing (memory) ≥ 0.9 × bare relay throughput: ${workload.title}`,
      value: cell?.vsBare,
      threshold: 0.9,
      met: cell?.vsBare === undefined ? undefined : cell.vsBare >= 0.9,
    });
  }
  const big = results.blob16m;
  if (big) {
    for (const id of ['enforceMemory', 'allowAll']) {
      const cell = big[id];
      if (!cell?.memory) continue;
      const times = cell.memory.growthBytes / cell.messageBytes;
      list.push({
        id: `memory-${id}`,
        target: `${labelOf(configs, id)}: peak memory with 16 MiB results ≤ idle + 3 × message size`,
        value: times,
        threshold: 3,
        met: times <= 3,
        detail: cell.memory,
      });
    }
  }
  const refused = results.refused;
  if (refused?.enforceMemory?.p50Ms !== undefined && refused.bare?.p50Ms !== undefined) {
    list.push({
      id: 'denial-latency',
      target: 'a denial (enforcing, memory) comes back faster than an allowed call through the bare relay (p50)',
      value: refused.enforceMemory.p50Ms,
      threshold: refused.bare.p50Ms,
      met: refused.enforceMemory.p50Ms < refused.bare.p50Ms,
    });
  }
  const small = results.small;
  if (small?.enforceSqlite?.p50Ms !== undefined && small.enforceMemory?.p50Ms !== undefined) {
    const delta = small.enforceSqlite.p50Ms - small.enforceMemory.p50Ms;
    list.push({
      id: 'sqlite-cost',
      target: 'an enforced call through SQLite costs ≤ 0.1 ms more than through memory (p50)',
      value: delta,
      threshold: 0.1,
      met: delta <= 0.1,
    });
  }
  return list;
}

function labelOf(configs, id) {
  return configs.find((c) => c.id === id)?.label ?? id;
}

/**
 * Medians over every run of a configuration: spawn to the answer of the first tools/list, and the
 * first tools/call after it.
 */
function startup(results) {
  const byConfig = {};
  for (const cells of Object.values(results)) {
    for (const [id, cell] of Object.entries(cells)) if (cell.runs) (byConfig[id] ??= []).push(...cell.perRun);
  }
  return Object.fromEntries(
    Object.entries(byConfig).map(([id, runs]) => [
      id,
      { ms: median(runs.map((run) => run.startupMs)), firstCallMs: median(runs.map((run) => run.firstCallMs)), runs: runs.length },
    ]),
  );
}

/** What a SQLite or Redis check-and-count adds per call, beside the in-memory store. */
function storeCost(results) {
  const small = results.small;
  const memory = small?.enforceMemory;
  if (!memory?.p50Ms) return undefined;
  const rows = {};
  for (const id of ['enforceMemory', 'enforceSqlite', 'enforceRedis']) {
    const cell = small[id];
    if (!cell?.p50Ms) continue;
    const pairedDeltas = [];
    const memoryByRound = new Map(memory.perRun.map((run) => [run.round, run.p50Ms]));
    for (const run of cell.perRun) {
      const reference = memoryByRound.get(run.round);
      if (reference !== undefined && run.p50Ms !== undefined) pairedDeltas.push(run.p50Ms - reference);
    }
    rows[id] = {
      p50Ms: cell.p50Ms,
      p99Ms: cell.p99Ms,
      deltaP50Ms: cell.p50Ms - memory.p50Ms,
      pairedDeltaP50Ms: pairedDeltas.length ? median(pairedDeltas) : undefined,
      inflightCallsPerSecond: results.inflight32?.[id]?.throughput,
    };
  }
  return rows;
}
