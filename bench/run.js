#!/usr/bin/env node
// npm run bench: drives every workload through every configuration, round-robin (config A run 1,
// config B run 1, ..., then run 2), prints Markdown tables and writes bench/results/latest.{json,md}.
//
// Environment:
//   BENCH_QUICK=1          a ~35 s smoke run (fewer calls, 1 round)
//   BENCH_ROUNDS=n         rounds (default 4, quick 1)
//   BENCH_CONFIGS=a,b      only these configurations (ids: direct,bare,allowAll,enforceMemory,enforceSqlite,enforceRedis)
//   BENCH_WORKLOADS=a,b    only these workloads (ids: small,inflight32,blob1m,blob16m,toolsList,refused)
//   BENCH_CPU_PROF=dir     run every policy-wrap process under node --cpu-prof, profiles written to dir
//   BENCH_WRAPPER=file     bench this policy-wrap entry point instead of bin/policy-wrap.js
//   BENCH_STARTUP_SAMPLES=n  start-up samples per configuration (default 12, quick 3)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem, release, loadavg } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { RpcClient } from './client.js';
import { configurations, paths } from './configs.js';
import { cpuTimeNs, residentMemory } from './proc.js';
import { startRedis } from './redis.js';
import { measureStartup } from './startup.js';
import { renderReport } from './report.js';
import { snapshotBuild } from './snapshot.js';
import { summarize } from './summary.js';
import { workloads } from './workloads.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
const quick = process.env.BENCH_QUICK === '1';
const rounds = Number(process.env.BENCH_ROUNDS ?? (quick ? 1 : 4));
const runTimeoutMs = 120_000;
const onlyList = (name) => process.env[name]?.split(',').map((s) => s.trim()).filter(Boolean);

function progress(text) {
  process.stderr.write(text);
}

function environment(redisVersion) {
  const cpu = cpus();
  const git = (...args) => {
    try {
      return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return undefined;
    }
  };
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${process.arch} (kernel ${release()})`,
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: loadavg().map((n) => Math.round(n * 100) / 100),
    redis: redisVersion,
    commit: git('rev-parse', '--short', 'HEAD'),
    worktreeDirty: git('status', '--porcelain', '--', 'src', 'bin') ? true : undefined,
  };
}

function redisServerVersion() {
  try {
    const text = execFileSync('redis-server', ['--version'], { encoding: 'utf8' });
    return /v=(\S+)/.exec(text)?.[1] ?? text.trim();
  } catch {
    return undefined;
  }
}

const helloCall = { name: 'echo', arguments: { text: 'hello' } };

function expectHello(answer) {
  if (answer.message?.result?.content?.[0]?.text !== 'hello') throw new Error(`echo answered ${answer.head}`);
}

/** pid and measured span of every run, so CPU profiles can be cut to what was measured. */
const measuredWindows = [];

/** CLOCK_MONOTONIC in µs: the clock V8 stamps .cpuprofile samples with, so profiles can be cut to the measured part. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** Marks the measured part of a run: its span, and the CPU time the process in the middle spent in it. */
function meter(pid, inTheMiddle) {
  let startUs;
  let startCpu;
  return {
    start() {
      startCpu = inTheMiddle ? cpuTimeNs(pid) : undefined;
      startUs = monotonicUs();
    },
    stop() {
      const windowUs = [startUs, monotonicUs()];
      const endCpu = startCpu === undefined ? undefined : cpuTimeNs(pid);
      return { windowUs, cpuNs: endCpu === undefined ? undefined : endCpu - startCpu };
    },
  };
}

/** One run: start the configuration, handshake, run the workload, sample memory, shut down. */
async function runOnce(config, workload, auditFile) {
  const { command, args } = config.commandLine({ auditFile });
  const spawnedAt = performance.now();
  const client = new RpcClient(command, args, { cwd: repoRoot });
  const timer = setTimeout(() => void client.kill(), runTimeoutMs);
  try {
    const { toolsListLine } = await client.initialize();
    const startupMs = performance.now() - spawnedAt;
    // The first tools/list, as bytes: with nothing to hide it must reach the client as the server wrote it.
    const toolsListSha256 = toolsListLine ? createHash('sha256').update(toolsListLine).digest('hex') : undefined;
    // The first call pays for whatever the wrapper sets up lazily; timed apart, and done before the
    // idle footprint is read so that it does not count as growth caused by the workload.
    const firstCallAt = performance.now();
    expectHello(await client.request('tools/call', helloCall));
    const firstCallMs = performance.now() - firstCallAt;
    const idle = config.wrapper ? residentMemory(client.pid) : undefined;
    const measured = await workload.run(client, config, meter(client.pid, config.wrapper));
    const peak = config.wrapper ? residentMemory(client.pid) : undefined;
    const { windowUs, cpuNs } = measured.meter;
    if (workload.id) measuredWindows.push({ pid: client.pid, config: config.id, workload: workload.id, windowUs });
    const exit = await client.close();
    if (exit.error || (exit.code !== 0 && exit.code !== null)) {
      throw new Error(`exited with ${exit.error?.message ?? `code ${exit.code}`}${client.stderr ? `: ${client.stderr.trim().split('\n')[0]}` : ''}`);
    }
    return { ...measured, startupMs, firstCallMs, toolsListSha256, wrapperCpuNs: cpuNs, memory: idle && peak ? { idleRssBytes: idle.rssBytes, idleHwmBytes: idle.hwmBytes, peakHwmBytes: peak.hwmBytes } : undefined };
  } catch (error) {
    await client.kill();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Start each configuration once, end to end, before spending minutes on it. */
async function probe(config, auditFile) {
  const probeWorkload = {
    run: async (client, cfg, meter) => {
      meter.start();
      const refused = await client.request('tools/call', { name: 'delete_playlist', arguments: { playlistId: '17' } });
      const denied = refused.message?.result?._meta?.['policy-wrap/decision']?.decision === 'deny';
      if (denied !== cfg.enforcing) throw new Error(`delete_playlist answered ${refused.head}`);
      return { meter: meter.stop() };
    },
  };
  try {
    await runOnce(config, probeWorkload, auditFile);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

async function main() {
  const started = Date.now();
  const workDir = mkdtempSync(join(tmpdir(), 'policy-wrap-bench-'));
  const cpuProfDir = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined;
  if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });
  const nodeOptions = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];

  const onlyConfigs = onlyList('BENCH_CONFIGS');
  const needRedis = !onlyConfigs || onlyConfigs.includes('enforceRedis');
  const redis = needRedis ? await startRedis() : { skipped: 'not selected (BENCH_CONFIGS)' };
  // Interrupted: stop our redis-server and remove the scratch folder before leaving.
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      const leave = () => {
        rmSync(workDir, { recursive: true, force: true });
        process.exit(130);
      };
      if ('stop' in redis) redis.stop().then(leave, leave);
      else leave();
    });
  }
  const wrapper = snapshotBuild(paths.wrapper, join(workDir, 'build'));
  const sqlitePath = join(workDir, 'counters.sqlite');
  const env = environment(redisServerVersion());
  const allConfigs = configurations({ wrapper, sqlitePath, redis, nodeOptions });
  const configs = allConfigs.filter((c) => !onlyConfigs || onlyConfigs.includes(c.id));
  const onlyWorkloads = onlyList('BENCH_WORKLOADS');
  const chosenWorkloads = workloads(quick).filter((w) => !onlyWorkloads || onlyWorkloads.includes(w.id));
  const auditFileOf = (config) => join(workDir, `audit-${config.id}.jsonl`);

  progress(`policy-wrap bench: node ${env.node}, ${env.cpu}, ${env.cores} cores; ${rounds} rounds${quick ? ' (quick)' : ''}\n`);
  progress(`scratch: ${workDir}\n`);
  try {
    for (const config of configs) {
      if (config.skipped) continue;
      const problem = await probe(config, auditFileOf(config));
      if (problem) config.skipped = `does not run: ${problem}`;
    }
    for (const config of configs) if (config.skipped) progress(`skipped ${config.label}: ${config.skipped}\n`);
    const active = configs.filter((c) => !c.skipped);

    // Start-up on its own: spawn → initialize answered, round-robin over the configurations, and
    // the wall time of --help and --version.
    const startupSamples = Number(process.env.BENCH_STARTUP_SAMPLES ?? (quick ? 3 : 12));
    progress(`start-up (${startupSamples} samples each):`);
    const startupAlone = await measureStartup({
      configs: active,
      wrapper,
      samples: startupSamples,
      cwd: repoRoot,
      auditFileOf: (config) => (config.enforcing ? join(workDir, `startup-audit-${config.id}.jsonl`) : undefined),
      progress,
    });
    progress('\n');

    /** @type {Record<string, Record<string, {runs: any[], errors: string[]}>>} */
    const raw = {};
    for (const workload of chosenWorkloads) {
      raw[workload.id] = {};
      for (const config of active) raw[workload.id][config.id] = { runs: [], errors: [] };
    }
    for (let round = 1; round <= rounds; round++) {
      progress(`round ${round}/${rounds}:`);
      for (const workload of chosenWorkloads) {
        progress(` ${workload.id}`);
        for (const config of active) {
          const slot = raw[workload.id][config.id];
          try {
            slot.runs.push({ round, ...(await runOnce(config, workload, auditFileOf(config))) });
          } catch (error) {
            slot.errors.push(`round ${round}: ${error instanceof Error ? error.message : String(error)}`);
            progress('!');
          }
        }
      }
      progress(` (${Math.round((Date.now() - started) / 1000)} s)\n`);
    }

    const audit = {};
    for (const config of active) {
      if (!config.enforcing) continue;
      try {
        const text = readFileSync(auditFileOf(config), 'utf8');
        audit[config.id] = { records: text.split('\n').filter(Boolean).length, bytes: statSync(auditFileOf(config)).size };
      } catch {
        audit[config.id] = { records: 0, bytes: 0 };
      }
    }
    if (cpuProfDir) writeFileSync(join(cpuProfDir, 'windows.json'), `${JSON.stringify(measuredWindows, null, 1)}\n`);
    const summary = summarize({ configs, workloads: chosenWorkloads, raw, rounds, startupAlone });
    const result = {
      environment: env,
      settings: { wrapper: relative(repoRoot, paths.wrapper), quick, rounds, order: 'round-robin: every configuration runs each workload once per round, in table order', durationSeconds: Math.round((Date.now() - started) / 1000) },
      configurations: configs.map(({ id, label, enforcing, store, skipped }) => ({ id, label, enforcing, store, skipped })),
      workloads: chosenWorkloads.map(({ id, title, kind, calls, messageBytes }) => ({ id, title, kind, callsPerRun: calls, messageBytes })),
      audit,
      startupAlone,
      ...summary,
    };
    const markdown = renderReport(result);
    process.stdout.write(`${markdown}\n`);
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(resultsDir, 'latest.md'), `${markdown}\n`);
    progress(`wrote bench/results/latest.json and bench/results/latest.md (${result.settings.durationSeconds} s)\n`);
  } finally {
    if ('stop' in redis) await redis.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

await main();
