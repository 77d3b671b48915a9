// A lean newline-delimited JSON-RPC client over a child's stdio, so the client is never what a
// benchmark measures: raw spawn, framing on \n, a Map of pending ids. Large answers are not parsed;
// their id is read from the envelope's head (or tail) and the caller gets the size and the head.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

const NEWLINE = 0x0a;
/** Answers longer than this are not JSON.parsed whole. */
const parseLimit = 64 * 1024;
const peek = 512;
const idAtHead = /^\s*\{[^{]*?"id"\s*:\s*(-?\d+)/;
const idAtTail = /"id"\s*:\s*(-?\d+)\s*\}\s*$/;

export const protocolVersion = '2025-06-18';

/**
 * @typedef {object} Answer
 * @property {any} [message] the parsed message (absent for answers over parseLimit)
 * @property {number} size bytes of the line, without its newline
 * @property {string} head the first bytes of the line
 * @property {number} at performance.now() when its last byte arrived
 * @property {Buffer} [line] the line's bytes (only for answers up to parseLimit, which are parsed)
 */

export class RpcClient {
  /** @type {Map<number, {resolve: (a: Answer) => void, reject: (e: Error) => void}>} */
  #pending = new Map();
  #nextId = 1;
  /** @type {Buffer[]} */
  #chunks = [];
  #length = 0;
  #stderr = '';
  #exit = undefined;

  /**
   * @param {string} command
   * @param {string[]} args
   * @param {{env?: NodeJS.ProcessEnv, cwd?: string}} [options]
   */
  constructor(command, args, options = {}) {
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env, cwd: options.cwd });
    this.pid = this.child.pid;
    this.child.stdout.on('data', (chunk) => this.#onData(chunk));
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (text) => {
      if (this.#stderr.length < 16_384) this.#stderr += text;
    });
    this.child.stdin.on('error', () => {});
    this.exited = new Promise((resolve) => {
      this.child.on('error', (error) => {
        this.#exit = { error };
        this.#failAll(new Error(`cannot start ${command}: ${error.message}`));
        resolve(this.#exit);
      });
      this.child.on('close', (code, signal) => {
        this.#exit ??= { code, signal };
        this.#failAll(new Error(`exited (${signal ?? `code ${code}`})${this.#stderrHint()}`));
        resolve(this.#exit);
      });
    });
  }

  get stderr() {
    return this.#stderr;
  }

  /**
   * @param {string} method
   * @param {unknown} [params]
   * @returns {Promise<Answer>}
   */
  request(method, params) {
    if (this.#exit) return Promise.reject(new Error(`the process has exited${this.#stderrHint()}`));
    const id = this.#nextId++;
    const line = params === undefined ? `{"jsonrpc":"2.0","id":${id},"method":"${method}"}\n` : `{"jsonrpc":"2.0","id":${id},"method":"${method}","params":${JSON.stringify(params)}}\n`;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.child.stdin.write(line);
    });
  }

  /** @param {string} method @param {unknown} [params] */
  notify(method, params) {
    const body = params === undefined ? '' : `,"params":${JSON.stringify(params)}`;
    this.child.stdin.write(`{"jsonrpc":"2.0","method":"${method}"${body}}\n`);
  }

  /** The MCP handshake, then the tools/list every client asks for first. */
  async initialize() {
    const init = await this.request('initialize', {
      protocolVersion,
      capabilities: {},
      clientInfo: { name: 'policy-wrap-bench', version: '1.0.0' },
    });
    if (!init.message?.result) throw new Error(`initialize failed: ${init.head}${this.#stderrHint()}`);
    this.notify('notifications/initialized');
    const list = await this.request('tools/list');
    if (!Array.isArray(list.message?.result?.tools)) throw new Error(`tools/list failed: ${list.head}`);
    return { initialize: init.message.result, tools: list.message.result.tools, toolsListLine: list.line };
  }

  /** Ends stdin and waits for the process to leave; signals it if it lingers. */
  async close(graceMs = 3000) {
    if (this.#exit) return this.#exit;
    this.child.stdin.end();
    const lingering = setTimeout(() => this.child.kill('SIGTERM'), graceMs);
    const stubborn = setTimeout(() => this.child.kill('SIGKILL'), graceMs * 2);
    const exit = await this.exited;
    clearTimeout(lingering);
    clearTimeout(stubborn);
    return exit;
  }

  kill() {
    if (!this.#exit) this.child.kill('SIGKILL');
    return this.exited;
  }

  #stderrHint() {
    const first = this.#stderr.trim().split('\n').slice(0, 3).join(' | ');
    return first ? `: ${first}` : '';
  }

  #failAll(error) {
    for (const { reject } of this.#pending.values()) reject(error);
    this.#pending.clear();
  }

  /** @param {Buffer} chunk */
  #onData(chunk) {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(NEWLINE, start);
      if (newline === -1) {
        if (start < chunk.length) {
          this.#chunks.push(chunk.subarray(start));
          this.#length += chunk.length - start;
        }
        return;
      }
      const piece = chunk.subarray(start, newline);
      if (this.#length === 0) {
        this.#onLine(piece);
      } else {
        this.#chunks.push(piece);
        const line = Buffer.concat(this.#chunks, this.#length + piece.length);
        this.#chunks = [];
        this.#length = 0;
        this.#onLine(line);
      }
      start = newline + 1;
    }
  }

  /** @param {Buffer} line */
  #onLine(line) {
    const at = performance.now();
    if (line.length === 0) return;
    let message;
    let id;
    const head = line.toString('utf8', 0, Math.min(line.length, peek));
    if (line.length <= parseLimit) {
      try {
        message = JSON.parse(line.toString('utf8'));
      } catch {
        return; // not JSON-RPC (a server's stray output): nobody is waiting for it
      }
      id = message?.id;
    } else {
      const tail = line.toString('utf8', Math.max(0, line.length - peek));
      const match = idAtHead.exec(head) ?? idAtTail.exec(tail);
      id = match ? Number(match[1]) : JSON.parse(line.toString('utf8')).id;
    }
    if (typeof id !== 'number') return;
    const entry = this.#pending.get(id);
    if (!entry) return;
    this.#pending.delete(id);
    entry.resolve({ message, size: line.length, head, at, ...(message === undefined ? {} : { line }) });
  }
}
