// Start-up, measured apart from the workloads: spawn → `initialize` answered for every
// configuration, and the wall time of `policy-wrap --help` and `--version` (process start to exit).
// Samples are taken round-robin (one of each, then the next), so drift on a shared machine hits all
// alike; ratios are paired by sample against the bare relay's. `node -e 0` is measured beside them:
// the floor that no command line started with node can go below on this machine.
//
// Alone: node bench/startup.js [samples]   (builds nothing; benches bin/policy-wrap.js or BENCH_WRAPPER)
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { protocolVersion } from './client.js';
import { median } from './stats.js';

const initializeLine = `${JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion, capabilities: {}, clientInfo: { name: 'policy-wrap-bench', version: '1.0.0' } },
})}\n`;

/**
 * Spawns a command line, writes `initialize` at once (as an MCP host does) and resolves to the ms
 * until the answer's newline arrived. The process is then told to leave (stdin closed) and awaited.
 * @param {{command: string, args: string[]}} commandLine
 * @param {string} cwd
 */
export function timeToInitialize({ command, args }, cwd) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let answeredMs;
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdin.on('error', () => {});
    child.stdin.write(initializeLine);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text) => {
      if (stderr.length < 4096) stderr += text;
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text) => {
      if (answeredMs !== undefined) return;
      stdout += text;
      const newline = stdout.indexOf('\n');
      if (newline === -1) return;
      answeredMs = performance.now() - started;
      const answer = JSON.parse(stdout.slice(0, newline));
      if (!answer.result) {
        child.kill('SIGKILL');
        reject(new Error(`initialize answered ${stdout.slice(0, 200)}`));
        return;
      }
      child.stdin.end();
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (answeredMs === undefined) reject(new Error(`exited (${signal ?? `code ${code}`}) before answering initialize: ${stderr.trim().split('\n')[0] ?? ''}`));
      else resolve(answeredMs);
    });
  });
}

/** Spawns a command line with stdin closed and resolves to the ms until it exited (with code 0). */
export function timeToExit({ command, args }, cwd) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text) => {
      output += text;
    });
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code !== 0 || (args.at(-1)?.startsWith('--') && output.length === 0)) reject(new Error(`${args.join(' ')} exited with ${code}`));
      else resolve(ms);
    });
  });
}

/**
 * @param {{configs: import('./configs.js').Config[], wrapper: string, samples: number, cwd: string, auditFileOf?: (config: object) => string | undefined, progress?: (text: string) => void}} options
 *   configs: the configurations to start (skipped ones are left out); wrapper: the policy-wrap entry point
 * @returns {Promise<object>} per configuration: median ms to initialize, its spread, and × the bare relay's (paired);
 *   per command (--help, --version, node -e 0): median ms to exit
 */
export async function measureStartup({ configs, wrapper, samples, cwd, auditFileOf = () => undefined, progress = () => {} }) {
  const node = process.execPath;
  const active = configs.filter((config) => !config.skipped && config.commandLine);
  const commands = [
    { id: 'node', label: '`node -e 0` (the floor)', commandLine: { command: node, args: ['-e', '0'] } },
    { id: 'version', label: '`policy-wrap --version`', commandLine: { command: node, args: [wrapper, '--version'] } },
    { id: 'help', label: '`policy-wrap --help`', commandLine: { command: node, args: [wrapper, '--help'] } },
  ];
  const initialize = Object.fromEntries(active.map((config) => [config.id, { samples: [], errors: [] }]));
  const exits = Object.fromEntries(commands.map((c) => [c.id, { samples: [], errors: [] }]));
  for (let sample = 0; sample < samples; sample++) {
    progress('.');
    for (const config of active) {
      const slot = initialize[config.id];
      try {
        slot.samples.push(await timeToInitialize(config.commandLine({ auditFile: auditFileOf(config) }), cwd));
      } catch (error) {
        slot.samples.push(NaN);
        slot.errors.push(error instanceof Error ? error.message : String(error));
      }
    }
    for (const c of commands) {
      const slot = exits[c.id];
      try {
        slot.samples.push(await timeToExit(c.commandLine, cwd));
      } catch (error) {
        slot.samples.push(NaN);
        slot.errors.push(error instanceof Error ? error.message : String(error));
      }
    }
  }
  const ok = (values) => values.filter((v) => !Number.isNaN(v));
  const bare = initialize.bare?.samples;
  const result = { samples, initialize: {}, commands: {} };
  for (const config of active) {
    const values = initialize[config.id].samples;
    const paired = bare && config.id !== 'bare' ? ok(values.map((v, i) => v / bare[i])) : [];
    result.initialize[config.id] = {
      label: config.label,
      ms: median(ok(values)),
      min: Math.min(...ok(values)),
      max: Math.max(...ok(values)),
      vsBare: paired.length ? median(paired) : undefined,
      errors: initialize[config.id].errors,
    };
  }
  for (const c of commands) {
    const values = ok(exits[c.id].samples);
    result.commands[c.id] = { label: c.label, ms: median(values), min: Math.min(...values), max: Math.max(...values), errors: exits[c.id].errors };
  }
  return result;
}

// Alone: a quick look without the whole bench (no Redis row).
if (import.meta.url === `file://${process.argv[1]}`) {
  const { configurations, paths } = await import('./configs.js');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const workDir = mkdtempSync(join(tmpdir(), 'policy-wrap-startup-'));
  try {
    const configs = configurations({ wrapper: paths.wrapper, sqlitePath: join(workDir, 'counters.sqlite'), redis: { skipped: 'not started' }, nodeOptions: [] });
    const result = await measureStartup({
      configs,
      wrapper: paths.wrapper,
      samples: Number(process.argv[2] ?? 10),
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      auditFileOf: (config) => join(workDir, `audit-${config.id}.jsonl`),
      progress: (text) => process.stderr.write(text),
    });
    process.stderr.write('\n');
    for (const [id, row] of Object.entries(result.initialize)) console.log(`${id.padEnd(14)} ${row.ms.toFixed(0).padStart(5)} ms  (${row.min.toFixed(0)}–${row.max.toFixed(0)})  ${row.vsBare === undefined ? '' : `${row.vsBare.toFixed(2)}× bare`} ${row.errors[0] ?? ''}`);
    for (const [id, row] of Object.entries(result.commands)) console.log(`${id.padEnd(14)} ${row.ms.toFixed(0).padStart(5)} ms  (${row.min.toFixed(0)}–${row.max.toFixed(0)}) ${row.errors[0] ?? ''}`);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
