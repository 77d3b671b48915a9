import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CreateMessageRequestSchema, ElicitRequestSchema, ListRootsRequestSchema, LoggingMessageNotificationSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** An SDK client over stdio, and what reached it. */
export interface SdkConnection {
  client: Client;
  /** every message that reached the client transport, in order */
  received: Record<string, any>[];
  /** the params of the sampling and elicitation requests it answered */
  sampled: unknown[];
  elicited: unknown[];
  /** how many roots/list requests it answered */
  rooted: number;
  /** the params of logging notifications */
  logs: unknown[];
  stderr: () => string;
}

/**
 * The SDK's real Client in front of `command` on stdio, declaring sampling, elicitation and roots,
 * and answering each: a sampled message, an accepted form, one root (file:///srv/test-root).
 */
export async function connectSdkClient(command: string, args: string[], name: string): Promise<SdkConnection> {
  const transport = new StdioClientTransport({ command, args, env: { ...getDefaultEnvironment(), FORCE_COLOR: '0' }, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name, version: '1.0.0' }, { capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } } });
  const connection: SdkConnection = { client, received: [], sampled: [], elicited: [], rooted: 0, logs: [], stderr: () => stderr };
  client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
    connection.sampled.push(request.params);
    return { model: 'test-model', role: 'assistant', content: { type: 'text', text: 'sampled by the test client' } };
  });
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    connection.elicited.push(request.params);
    return { action: 'accept', content: { name: 'Ada Lovelace', check: true } };
  });
  client.setRequestHandler(ListRootsRequestSchema, async () => {
    connection.rooted += 1;
    return { roots: [{ uri: 'file:///srv/test-root', name: 'test root' }] };
  });
  client.setNotificationHandler(LoggingMessageNotificationSchema, async (notification) => {
    connection.logs.push(notification.params);
  });
  await client.connect(transport);
  const deliver = transport.onmessage;
  transport.onmessage = (message: JSONRPCMessage) => {
    connection.received.push(message as Record<string, any>);
    deliver?.(message);
  };
  return connection;
}
