#!/usr/bin/env node
// A stdio MCP server built to be cheap, so a benchmark measures what sits in front of it.
// Newline-delimited JSON-RPC, no SDK. Answers are pre-serialized where they can be: the tools/list
// result once at start, each blob size on first use, so a call only splices in its id.
//
// Tools: the 58 of the Plex MCP Server catalogue (tests/fixtures/plex/tools.json), each answering a
// small result, plus two of the bench's own:
//   echo {text?}   a small text result (the text, or "ok")
//   blob {bytes}   a text result of exactly `bytes` bytes, shaped like a Plex answer (JSON as text)
import { readFileSync } from 'node:fs';

const catalogue = JSON.parse(readFileSync(new URL('../tests/fixtures/plex/tools.json', import.meta.url), 'utf8'));

const benchTools = [
  {
    name: 'echo',
    description: 'Answers a small text: the text given, or "ok".',
    inputSchema: { type: 'object', properties: { text: { type: 'string', maxLength: 200 } } },
    annotations: { readOnlyHint: true },
  },
  {
    name: 'blob',
    description: 'Answers a text of exactly `bytes` bytes.',
    inputSchema: {
      type: 'object',
      properties: { bytes: { type: 'integer', minimum: 0, maximum: 67108864 } },
      required: ['bytes'],
    },
    annotations: { readOnlyHint: true },
  },
];

const tools = [...catalogue.tools, ...benchTools];
const toolNames = new Set(tools.map((tool) => tool.name));
const toolsListTail = `,"result":${JSON.stringify({ tools })}}\n`;

const initializeResult = {
  protocolVersion: '2025-06-18',
  capabilities: { tools: {} },
  serverInfo: { name: 'bench-fast-server', version: '1.0.0' },
};

// One Plex-like record, repeated: text that is JSON, so the line carries the `\"` escapes real
// answers carry.
const record = '{"ratingKey":"48213","title":"The Long Goodbye","year":1973,"type":"movie","viewCount":2},';
const blobTails = new Map();

function blobTail(bytes) {
  let tail = blobTails.get(bytes);
  if (tail === undefined) {
    const text = record.repeat(Math.ceil(bytes / record.length)).slice(0, bytes);
    tail = Buffer.from(`,"result":${JSON.stringify({ content: [{ type: 'text', text }] })}}\n`);
    blobTails.set(bytes, tail);
  }
  return tail;
}

function send(id, tail) {
  const head = `{"jsonrpc":"2.0","id":${JSON.stringify(id)}`;
  if (typeof tail === 'string') {
    process.stdout.write(head + tail);
    return;
  }
  process.stdout.cork();
  process.stdout.write(head);
  process.stdout.write(tail);
  process.stdout.uncork();
}

function result(id, value) {
  send(id, `,"result":${JSON.stringify(value)}}\n`);
}

function error(id, code, message) {
  send(id, `,"error":${JSON.stringify({ code, message })}}\n`);
}

function callTool(id, params) {
  const name = params?.name;
  const args = params?.arguments ?? {};
  if (name === 'echo') return result(id, { content: [{ type: 'text', text: typeof args.text === 'string' ? args.text : 'ok' }] });
  if (name === 'blob') {
    if (!Number.isInteger(args.bytes) || args.bytes < 0) return error(id, -32602, 'blob needs bytes: a whole number');
    return send(id, blobTail(args.bytes));
  }
  if (toolNames.has(name)) return result(id, { content: [{ type: 'text', text: `{"success":true,"tool":${JSON.stringify(name)}}` }] });
  return error(id, -32601, `Unknown tool: ${String(name)}`);
}

function handle(message) {
  const { id, method, params } = message;
  if (id === undefined) return; // notifications need no answer
  switch (method) {
    case 'initialize':
      return result(id, initializeResult);
    case 'ping':
      return result(id, {});
    case 'tools/list':
      return send(id, toolsListTail);
    case 'tools/call':
      return callTool(id, params);
    default:
      return error(id, -32601, `Method not found: ${String(method)}`);
  }
}

let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  let newline;
  while ((newline = pending.indexOf('\n')) !== -1) {
    const line = pending.slice(0, newline);
    pending = pending.slice(newline + 1);
    if (line.trim() === '') continue;
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      continue;
    }
    handle(message);
  }
});
process.stdin.on('end', () => process.exit(0));
