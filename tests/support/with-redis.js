#!/usr/bin/env node
// Runs a command with a throwaway Redis for the tests that share counters through one:
//   node tests/support/with-redis.js <command> [args...]
// With POLICY_WRAP_TEST_REDIS_URL already set, the command just runs against that Redis. Otherwise
// a redis-server (Debian's redis-server package) starts on a free loopback port, with nothing saved
// to disk; the command runs with POLICY_WRAP_TEST_REDIS_URL pointing at it; the server stops
// afterwards, also when this script is interrupted. Exits with the command's exit code. Without
// redis-server the command still runs, so the Redis tests fail and say why instead of skipping.
import { spawn } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';

const urlVariable = 'POLICY_WRAP_TEST_REDIS_URL';
const startTimeoutMs = 10_000;
const stopTimeoutMs = 5_000;
const signalNumbers = { SIGINT: 2, SIGTERM: 15 };

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write('usage: node tests/support/with-redis.js <command> [args...]\n');
  process.exit(2);
}

let redis;
if (!process.env[urlVariable]) {
  try {
    redis = await startRedis();
    process.env[urlVariable] = redis.url;
  } catch (error) {
    process.stderr.write(`with-redis: ${error.message}; the Redis tests will fail. Install Debian's redis-server (apt-get install redis-server).\n`);
  }
}

const child = spawn(command, args, { stdio: 'inherit' });
let stopping = false;
for (const signal of Object.keys(signalNumbers)) {
  process.on(signal, () => {
    child.kill(signal);
    void finish(128 + signalNumbers[signal]);
  });
}
child.on('error', (error) => {
  process.stderr.write(`with-redis: cannot run ${command}: ${error.message}\n`);
  void finish(127);
});
child.on('exit', (code, signal) => void finish(code ?? 128 + (signalNumbers[signal] ?? 1)));

async function finish(code) {
  if (stopping) return;
  stopping = true;
  if (redis) await redis.stop();
  process.exit(code);
}

async function startRedis() {
  let lastError;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      return await startRedisOn(await freePort());
    } catch (error) {
      if (error.code === 'ENOENT') throw new Error('redis-server was not found on PATH');
      lastError = error;
    }
  }
  throw lastError;
}

function startRedisOn(port) {
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmpdir(), '--loglevel', 'warning'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  server.stdout.on('data', (chunk) => (output += chunk));
  server.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => server.on('exit', resolve));
  const stop = async () => {
    if (server.exitCode !== null || server.signalCode !== null) return;
    server.kill('SIGTERM');
    const timer = setTimeout(() => server.kill('SIGKILL'), stopTimeoutMs);
    await exited;
    clearTimeout(timer);
  };

  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.on('exit', (code, signal) => reject(new Error(`redis-server exited (${code ?? signal}) before answering: ${output.trim()}`)));
    const deadline = Date.now() + startTimeoutMs;
    const poll = async () => {
      if (server.exitCode !== null) return;
      if (await answersPing(port)) {
        resolve({ url: `redis://127.0.0.1:${port}`, stop });
      } else if (Date.now() > deadline) {
        await stop();
        reject(new Error(`redis-server did not answer PING on port ${port} within ${startTimeoutMs} ms: ${output.trim()}`));
      } else {
        setTimeout(poll, 50);
      }
    };
    void poll();
  });
}

function answersPing(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (answered) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk;
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}
