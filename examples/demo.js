#!/usr/bin/env node
// A short scripted session through policy-wrap in front of @modelcontextprotocol/server-everything:
// what the agent sees, what is allowed, what is refused and why. Run with `npm run demo`.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import chalk from 'chalk';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const everything = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
const policy = join(root, 'examples', 'demo.policy.json');

const transport = new StdioClientTransport({
  command: process.execPath,
  args: [join(root, 'bin', 'policy-wrap.js'), '--policy', policy, '--state', 'memory', '--', process.execPath, everything, 'stdio'],
  stderr: 'ignore',
});
const client = new Client({ name: 'policy-wrap-demo', version: '1.0.0' });

function show(title, result) {
  const text = result.content?.map((part) => (part.type === 'text' ? part.text : `[${part.type}]`)).join(' ') ?? '';
  const verdict = result.isError ? chalk.red('refused') : chalk.green('ok');
  console.log(`${chalk.bold(title)} → ${verdict}: ${text.length > 110 ? `${text.slice(0, 110)}…` : text}`);
}

async function call(title, name, args) {
  try {
    show(title, await client.callTool({ name, arguments: args }));
  } catch (error) {
    console.log(`${chalk.bold(title)} → ${chalk.red('error')}: ${error.message}`);
  }
}

await client.connect(transport);
console.log(chalk.dim(`policy: ${policy}`));
const { tools } = await client.listTools();
console.log(`${chalk.bold('tools the agent can see')}: ${tools.map((tool) => tool.name).join(', ')}\n`);
await call('echo "hello"', 'echo', { message: 'hello' });
await call('get-sum 2 + 3', 'get-sum', { a: 2, b: 3 });
await call('get-sum 2 + 5000 (over the argument limit)', 'get-sum', { a: 2, b: 5000 });
await call('get-env (denied with a reason)', 'get-env', {});
await call('trigger-long-running-operation (hidden: default deny)', 'trigger-long-running-operation', {});
for (let i = 1; i <= 3; i += 1) await call(`get-tiny-image #${i} (2 per minute)`, 'get-tiny-image', {});
await client.close();
