// Renders a bench result as Markdown: readable in a terminal, pasteable into bench/RESULTS.md.

const MiB = 1024 * 1024;

const fixed = (value, digits) => (value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits));
const ms = (value) => fixed(value, 3);
const ratio = (value) => (value === undefined ? '–' : `${value.toFixed(2)}×`);
const mib = (bytes) => (bytes === undefined ? '–' : `${(bytes / MiB).toFixed(1)} MiB`);
const thousands = (value) => (value === undefined ? '–' : Math.round(value).toLocaleString('en-US'));

function table(header, rows) {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((h, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

function throughputText(workload, cell) {
  return workload.kind === 'bytes' ? fixed(cell.throughput, 0) : thousands(cell.throughput);
}

function workloadTable(result, workload) {
  const cells = result.results[workload.id];
  const unit = workload.kind === 'bytes' ? 'MiB/s' : 'calls/s';
  const latency = workload.kind === 'latency';
  const header = ['configuration', ...(latency ? ['p50 ms', 'p99 ms'] : []), `${unit} (median)`, 'spread', '× bare relay', '× direct'];
  const rows = [];
  for (const config of result.configurations) {
    const cell = cells?.[config.id];
    if (config.skipped || !cell) continue;
    if (!cell.runs) {
      rows.push([config.label, ...(latency ? ['–', '–'] : []), 'failed', cell.errors[0] ?? '', '–', '–']);
      continue;
    }
    const spread = workload.kind === 'bytes' ? `${fixed(cell.throughputMin, 0)}–${fixed(cell.throughputMax, 0)}` : `${thousands(cell.throughputMin)}–${thousands(cell.throughputMax)}`;
    rows.push([
      config.label,
      ...(latency ? [ms(cell.p50Ms), ms(cell.p99Ms)] : []),
      throughputText(workload, cell),
      spread,
      config.id === 'bare' ? '1.00×' : ratio(cell.vsBare),
      config.id === 'direct' ? '1.00×' : ratio(cell.vsDirect),
    ]);
  }
  const any = Object.values(cells ?? {}).find((cell) => cell.runs);
  const size = any ? ` — answer line ≈ ${any.messageBytes.toLocaleString('en-US')} bytes` : '';
  const failures = Object.entries(cells ?? {}).flatMap(([id, cell]) => cell.errors.map((e) => `- ${id}: ${e}`));
  return [
    `### ${workload.title} (${workload.callsPerRun.toLocaleString('en-US')} calls per run${size})`,
    '',
    table(header, rows),
    ...(failures.length ? ['', 'Failed runs:', ...failures] : []),
  ].join('\n');
}

/** Rows: configurations; columns: workloads; cells: throughput relative to the bare relay. */
export function ratioTable(result) {
  const header = ['configuration', ...result.workloads.map((w) => shortTitle[w.id] ?? w.id)];
  const rows = result.configurations
    .filter((config) => !config.skipped && config.id !== 'bare')
    .map((config) => [
      config.label,
      ...result.workloads.map((w) => ratio(result.results[w.id]?.[config.id]?.vsBare)),
    ]);
  return table(header, rows);
}

/** The table of issue #16: throughput × the bare relay beside spawn → initialize answered. */
function headlineTable(result) {
  const columns = ['small', 'inflight32', 'blob1m'].filter((id) => result.workloads.some((w) => w.id === id));
  const header = ['configuration', ...columns.map((id) => shortTitle[id]), 'spawn → initialize answered'];
  const rows = result.configurations
    .filter((config) => !config.skipped)
    .map((config) => [
      config.label,
      ...columns.map((id) => (config.id === 'bare' ? '1.00×' : ratio(result.results[id]?.[config.id]?.vsBare))),
      result.startupAlone?.initialize?.[config.id] ? `${fixed(result.startupAlone.initialize[config.id].ms, 0)} ms` : '–',
    ]);
  return table(header, rows);
}

/** CPU time the process in the middle spent per call, beside the bare relay's. */
function cpuTable(result) {
  const header = ['configuration', ...result.workloads.map((w) => shortTitle[w.id] ?? w.id)];
  const rows = result.configurations
    .filter((config) => !config.skipped && config.id !== 'direct')
    .map((config) => [
      config.label,
      ...result.workloads.map((w) => {
        const cell = result.results[w.id]?.[config.id];
        if (cell?.wrapperCpuUsPerCall === undefined) return '–';
        const times = config.id === 'bare' || cell.cpuVsBare === undefined ? '' : ` (${ratio(cell.cpuVsBare)})`;
        return `${thousands(cell.wrapperCpuUsPerCall)}${times}`;
      }),
    ]);
  return table(header, rows);
}

export const shortTitle = {
  small: 'small calls',
  inflight32: '32 in flight',
  blob1m: '1 MiB results',
  blob16m: '16 MiB results',
  toolsList: 'tools/list (Plex)',
  refused: 'refused call',
};

function memoryTable(result) {
  const cells = result.results.blob16m;
  if (!cells) return undefined;
  const rows = [];
  for (const config of result.configurations) {
    const cell = cells[config.id];
    if (!cell?.memory) continue;
    rows.push([
      config.label,
      mib(cell.memory.idleRssBytes),
      mib(cell.memory.peakHwmBytes),
      mib(cell.memory.growthBytes),
      `${(cell.memory.growthBytes / cell.messageBytes).toFixed(2)}×`,
    ]);
  }
  if (!rows.length) return undefined;
  const size = Object.values(cells).find((c) => c.messageBytes)?.messageBytes;
  return [
    `### Wrapper memory with 16 MiB results (answer line ${mib(size)}; medians over runs)`,
    '',
    table(['configuration', 'idle RSS', 'peak RSS (VmHWM)', 'peak − idle', '÷ message size'], rows),
  ].join('\n');
}

function storeTable(result) {
  const rows = Object.entries(result.storeCost ?? {}).map(([id, row]) => [
    result.configurations.find((c) => c.id === id)?.label ?? id,
    ms(row.p50Ms),
    ms(row.p99Ms),
    id === 'enforceMemory' ? '–' : `+${ms(row.deltaP50Ms)}`,
    id === 'enforceMemory' ? '–' : `+${ms(row.pairedDeltaP50Ms)}`,
    thousands(row.inflightCallsPerSecond),
  ]);
  if (!rows.length) return undefined;
  return [
    '### What the counter store adds per enforced call (small calls)',
    '',
    table(['store', 'p50 ms', 'p99 ms', 'p50 − memory', 'same, paired by round', 'calls/s, 32 in flight'], rows),
  ].join('\n');
}

function startupTable(result) {
  const rows = result.configurations
    .filter((config) => result.startup?.[config.id])
    .map((config) => [config.label, fixed(result.startup[config.id].ms, 0), fixed(result.startup[config.id].firstCallMs, 1)]);
  if (!rows.length) return undefined;
  return [
    '### Start-up (median over all runs)',
    '',
    table(['configuration', 'spawn → first tools/list answered, ms', 'first tools/call, ms'], rows),
  ].join('\n');
}

function targetTable(result) {
  const rows = result.targets.map((t) => {
    if (t.unit === 'ratio-max') return [t.target, ratio(t.value), `≤ ${t.threshold}×`, verdict(t)];
    if (t.unit === 'ms-max') return [t.target, `${fixed(t.value, 0)} ms`, `≤ ${t.threshold} ms`, verdict(t)];
    if (t.unit === 'text') return [t.target, t.value, t.threshold, verdict(t)];
    const value = t.id.startsWith('throughput') ? ratio(t.value) : t.id.startsWith('memory') ? `${fixed(t.value, 2)}×` : `${ms(t.value)} ms`;
    const threshold = t.id.startsWith('throughput') ? `≥ ${t.threshold}×` : t.id.startsWith('memory') ? `≤ ${t.threshold}×` : t.id === 'denial-latency' ? `< ${ms(t.threshold)} ms` : `≤ ${t.threshold} ms`;
    return [t.target, value, threshold, verdict(t)];
  });
  return table(['target', 'measured', 'needed', 'verdict'], rows);
}

const verdict = (t) => (t.met === undefined ? '–' : t.met ? 'met' : '**missed**');

/** Start-up measured on its own: spawn → initialize answered, and --help / --version to exit. */
function startupAloneTable(result) {
  const alone = result.startupAlone;
  if (!alone) return undefined;
  const rows = result.configurations
    .filter((config) => alone.initialize[config.id])
    .map((config) => {
      const row = alone.initialize[config.id];
      return [config.label, fixed(row.ms, 0), `${fixed(row.min, 0)}–${fixed(row.max, 0)}`, config.id === 'bare' ? '1.00×' : ratio(row.vsBare)];
    });
  const commands = Object.values(alone.commands).map((row) => [row.label, fixed(row.ms, 0), `${fixed(row.min, 0)}–${fixed(row.max, 0)}`, '']);
  return [
    `### Start-up, measured on its own (${alone.samples} samples each, round-robin; median)`,
    '',
    'spawn → `initialize` answered (the client writes `initialize` at once, as an MCP host does); × bare relay is paired by sample. The commands: spawn → exit.',
    '',
    table(['configuration or command', 'ms', 'spread', '× bare relay'], [...rows, ...commands]),
  ].join('\n');
}

export function renderReport(result) {
  const env = result.environment;
  const skipped = result.configurations.filter((c) => c.skipped);
  const auditLines = Object.entries(result.audit ?? {}).map(([id, a]) => `${id} ${a.records.toLocaleString('en-US')} records`);
  const parts = [
    `## policy-wrap benchmark — ${env.date.slice(0, 10)}`,
    '',
    `node ${env.node} · ${env.cpu} · ${env.cores} cores · ${env.memoryGiB} GiB · ${env.platform} · redis-server ${env.redis ?? 'absent'} · commit ${env.commit ?? '?'}${env.worktreeDirty ? ' (uncommitted changes in src/)' : ''}`,
    `${result.settings.rounds} rounds, round-robin; ${result.settings.wrapper === 'bin/policy-wrap.js' ? '' : `wrapper ${result.settings.wrapper}; `}${result.settings.quick ? 'quick mode; ' : ''}load average at start ${env.loadAverageAtStart.join(' ')}; took ${result.settings.durationSeconds} s. Every run is a fresh process tree; each answer is checked.`,
    ...(skipped.length ? ['', ...skipped.map((c) => `Skipped: **${c.label}** — ${c.skipped}`)] : []),
    ...(auditLines.length ? ['', `Audit on for the enforcing runs: ${auditLines.join(', ')}.`] : []),
    '',
    '### At a glance (throughput × the bare relay; start-up measured on its own, median)',
    '',
    headlineTable(result),
    '',
    '### Throughput relative to the bare relay (median of per-round ratios; 1.00× = the cost of one more process)',
    '',
    ratioTable(result),
    '',
    '### CPU time of the process in the middle, µs per call (× the bare relay\'s, paired by round)',
    '',
    'From /proc/<pid>/schedstat over the measured part: what the wrapper itself burns, which a busy machine disturbs far less than wall-clock rates.',
    '',
    cpuTable(result),
    '',
    '### Targets',
    '',
    targetTable(result),
  ];
  const store = storeTable(result);
  if (store) parts.push('', store);
  const memory = memoryTable(result);
  if (memory) parts.push('', memory);
  const startupAlone = startupAloneTable(result);
  if (startupAlone) parts.push('', startupAlone);
  const startup = startupTable(result);
  if (startup) parts.push('', startup);
  for (const workload of result.workloads) parts.push('', workloadTable(result, workload));
  return parts.join('\n');
}
