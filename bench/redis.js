// A private, throw-away redis-server for the Redis-store configuration.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A TCP port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `redis-server` on a free loopback port, without persistence.
 * @returns {Promise<{url: string, pid: number, stop: () => Promise<void>} | {skipped: string}>}
 */
export async function startRedis({ readyTimeoutMs = 5000 } = {}) {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(`redis-server did not report ready within ${readyTimeoutMs} ms`), readyTimeoutMs);
    const watch = (text) => {
      output += text;
      if (/Ready to accept connections/.test(output)) {
        clearTimeout(timer);
        resolve(true);
      }
    };
    child.stdout.setEncoding('utf8').on('data', watch);
    child.stderr.setEncoding('utf8').on('data', watch);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve(error.code === 'ENOENT' ? 'redis-server is not installed (apt-get install redis-server)' : `redis-server failed to start: ${error.message}`);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(`redis-server exited with code ${code}: ${output.trim().split('\n').pop()}`);
    });
  });
  if (ready !== true) {
    if (child.exitCode === null && child.pid !== undefined) child.kill('SIGKILL');
    return { skipped: ready };
  }
  child.stdout.resume();
  child.stderr.resume();
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
