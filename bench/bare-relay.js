#!/usr/bin/env node
// The unavoidable cost of one more process: spawns the server given after it and copies bytes both
// ways, untouched. No framing, no parsing, no policy. Usage: node bench/bare-relay.js <command> [args...]
import { spawn } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
if (command === undefined) {
  process.stderr.write('usage: node bench/bare-relay.js <command> [args...]\n');
  process.exit(2);
}

const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
process.stdin.pipe(child.stdin);
child.stdout.pipe(process.stdout);
child.stdin.on('error', () => {});
child.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
