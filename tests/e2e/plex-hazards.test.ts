import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import {
  compileAdvertisedSchemas,
  evaluate,
  formatProblem,
  lintAgainstServer,
  loadPolicyFile,
  loadPolicyText,
  type CompiledPolicy,
  type DenyCause,
  type PolicyDocument,
} from '../../src/policy/index.js';
import { killAll, readPids, stillRunning } from '../support/processes.js';
import { cli, requireBuild, root, tempDir } from '../support/wrapper.js';

const examplePolicy = join(root, 'examples/plex-mcp-server.policy.json');
const standin = join(root, 'tests/fixtures/servers/plex-standin.mjs');
const catalogue = JSON.parse(readFileSync(join(root, 'tests/fixtures/plex/tools.json'), 'utf8')) as { tools: Array<{ name: string; inputSchema?: unknown }> };

interface Hazard {
  tool: string;
  arguments: Record<string, unknown>;
  /**
   * What could go wrong. Where it says what the server does, that was measured on the real Plex
   * MCP Server v1.5.0; the others name what the policy's rule guards against.
   */
  risk: string;
  /** What refuses it first: the rule's name, its arguments, or the server's own advertised schema. */
  cause: DenyCause;
}

/**
 * Calls the example policy exists to stop. The server checks none of its arguments against its own
 * input schemas, so each would reach Plex, Trakt, Sonarr or Radarr as written.
 */
const hazards: Hazard[] = [
  { tool: 'get_recently_added', arguments: { limit: 100000 }, risk: 'limit goes to Plex uncapped: one answer of about 2 MB on a single line', cause: 'arguments' },
  { tool: 'get_recommendations', arguments: { libraryKey: '../accounts' }, risk: 'libraryKey is pasted into the Plex URL path: ../ reaches other endpoints with the token', cause: 'arguments' },
  { tool: 'get_library_stats', arguments: { libraryKey: '../../accounts' }, risk: 'a libraryKey that is not a library number', cause: 'arguments' },
  { tool: 'get_library_items', arguments: { libraryKey: '1/../../accounts' }, risk: 'a libraryKey that is not a library number', cause: 'arguments' },
  // The server advertises an enum for type but does not check it; the advertised schema refuses it first.
  { tool: 'trakt_search', arguments: { query: 'alien', type: '../users/me/history' }, risk: 'type is pasted into the Trakt URL path with the user token', cause: 'input-schema' },
  { tool: 'trakt_sync_to_trakt', arguments: { batchSize: -1 }, risk: 'a negative batchSize loops until the process runs out of memory', cause: 'arguments' },
  {
    tool: 'update_metadata_from_json',
    arguments: { ratingKey: '1', metadata: { thumb: 'http://192.168.1.1/admin' }, setPosterFromUrl: true },
    risk: 'the Plex server is made to download whatever address the payload names, inside the network too',
    cause: 'arguments',
  },
  { tool: 'sonarr_trigger_search', arguments: {}, risk: 'without seriesId, Sonarr starts a download search for everything missing', cause: 'arguments' },
  { tool: 'radarr_trigger_search', arguments: {}, risk: 'without movieId, Radarr starts a download search for everything missing', cause: 'arguments' },
  { tool: 'clear_playlist', arguments: { playlistId: '1', confirm: true }, risk: 'confirm: true empties the playlist for good', cause: 'arguments' },
  { tool: 'export_library', arguments: { libraryKey: '1', outputPath: '../../.ssh/authorized_keys.json' }, risk: 'an outputPath that is not a plain file name', cause: 'arguments' },
  { tool: 'sonarr_add_series', arguments: { tvdbId: 1, title: 't', rootFolderPath: '/tv/../../etc' }, risk: 'a rootFolderPath that climbs out of the media folders', cause: 'arguments' },
  { tool: 'create_playlist', arguments: { title: 't', type: 'movie', smartFilter: '../../accounts?x=1' }, risk: 'a smartFilter that is not a plain Plex filter', cause: 'arguments' },
  { tool: 'delete_playlist', arguments: { playlistId: 'all' }, risk: 'a playlistId that is not one playlist', cause: 'arguments' },
  { tool: 'mark_watched', arguments: { ratingKey: '07' }, risk: 'a second spelling of ratingKey 7 would get a per-ratingKey budget of its own', cause: 'arguments' },
];

/** Calls of the same tools that the example policy lets through. */
const allowedCalls: Array<{ tool: string; arguments: Record<string, unknown> }> = [
  { tool: 'get_libraries', arguments: {} },
  { tool: 'get_recently_added', arguments: { limit: 500 } },
  { tool: 'get_recommendations', arguments: { libraryKey: '1' } },
  { tool: 'trakt_search', arguments: { query: 'alien', type: 'movie' } },
  { tool: 'trakt_sync_to_trakt', arguments: { batchSize: 50 } },
  { tool: 'update_metadata_from_json', arguments: { ratingKey: '1', metadata: { title: 'x' }, setPosterFromUrl: false } },
  { tool: 'sonarr_trigger_search', arguments: { seriesId: 3 } },
  { tool: 'clear_playlist', arguments: { playlistId: '1' } },
];

function loadExample(): { policy: CompiledPolicy; document: PolicyDocument } {
  const loaded = loadPolicyFile(examplePolicy);
  if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
  return { policy: loaded.policy, document: loaded.document };
}

describe('the example Plex policy, in the engine', () => {
  const advertised = compileAdvertisedSchemas(catalogue.tools);
  const facts = (tool: string, args: unknown) => ({ tool, arguments: args, grant: 'me', session: 's', advertisedSchema: advertised.get(tool) });

  test('loads without errors or warnings, and names only tools the server has', () => {
    const loaded = loadPolicyFile(examplePolicy);
    if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
    expect(loaded.warnings.map(formatProblem)).toEqual([]);
    expect(lintAgainstServer(loaded.policy, catalogue.tools)).toEqual([]);
    expect(loaded.policy.default).toBe('deny');
    expect(loaded.policy.inputSchema).toBe('enforce');
  });

  test.each(hazards.map((hazard) => [hazard.tool, JSON.stringify(hazard.arguments), hazard] as const))('refuses %s %s', (_tool, _args, hazard) => {
    const decision = evaluate(loadExample().policy, facts(hazard.tool, hazard.arguments));
    expect(decision).toMatchObject({ outcome: 'deny', cause: hazard.cause, hidden: false });
  });

  test("its own rules refuse every hazard even when the server's advertised schemas are not enforced", () => {
    const { document } = loadExample();
    const loaded = loadPolicyText(JSON.stringify({ ...document, input_schema: 'ignore' }), 'own.json');
    if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
    const own = loaded.policy;
    const outcomes = hazards.map((hazard) => `${hazard.tool}: ${evaluate(own, facts(hazard.tool, hazard.arguments)).outcome}`);
    expect(outcomes).toEqual(hazards.map((hazard) => `${hazard.tool}: deny`));
  });

  test.each(allowedCalls.map((call) => [call.tool, JSON.stringify(call.arguments), call] as const))('allows %s %s', (_tool, _args, call) => {
    expect(evaluate(loadExample().policy, facts(call.tool, call.arguments))).toMatchObject({ outcome: 'allow' });
  });

  test('deleting one playlist asks a person first, and each approval covers one call', () => {
    const decision = evaluate(loadExample().policy, facts('delete_playlist', { playlistId: '1' }));
    expect(decision).toMatchObject({ outcome: 'allow', rule: '/tools/delete_playlist', approval: { timeoutMs: 120_000, remember: { kind: 'call' } } });
  });

  test('a tool a later server version adds is denied and hidden by default', () => {
    const decision = evaluate(loadExample().policy, facts('plex_delete_library', { libraryKey: '1' }));
    expect(decision).toMatchObject({ outcome: 'deny', cause: 'default', hidden: true });
  });

  test('trakt_authenticate is limited to 10 calls a minute for each grant', () => {
    const decision = evaluate(loadExample().policy, facts('trakt_authenticate', {}));
    expect(decision.outcome).toBe('allow');
    if (decision.outcome !== 'allow') return;
    expect(decision.budgets.map(({ max, windowMs, scope }) => ({ max, windowMs, scope }))).toEqual([
      { max: 10, windowMs: 60_000, scope: 'grant' },
      { max: 60, windowMs: 60_000, scope: 'grant' },
    ]);
  });
});

interface Recorded {
  method?: string;
  id?: unknown;
  params?: { name?: string; requestId?: unknown; arguments?: unknown };
}

/** The stand-in behind the wrapper, driven by the SDK client as an MCP host would. */
class Session {
  readonly client = new Client({ name: 'plex-hazards-test', version: '1.0.0' });
  readonly clientErrors: Error[] = [];
  private stderrText = '';

  constructor(
    readonly dir: string,
    private readonly options: { policy?: string; env?: Record<string, string> } = {},
  ) {}

  get record(): string {
    return join(this.dir, 'received.jsonl');
  }

  get pidFile(): string {
    return join(this.dir, 'pids');
  }

  get stderr(): string {
    return this.stderrText;
  }

  async open(): Promise<this> {
    const inherited = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [cli, '--policy', this.options.policy ?? examplePolicy, '--state', 'memory', '--', process.execPath, standin],
      // The SDK passes on only a few variables unless given the environment in full.
      env: { ...inherited, FORCE_COLOR: '0', PLEX_TOKEN: 'x', RECORD_FILE: this.record, PID_FILE: this.pidFile, ...this.options.env },
      cwd: root,
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => (this.stderrText += chunk.toString('utf8')));
    this.client.onerror = (error) => this.clientErrors.push(error);
    await this.client.connect(transport);
    return this;
  }

  received(): Recorded[] {
    if (!existsSync(this.record)) return [];
    return readFileSync(this.record, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Recorded);
  }

  calls(tool?: string): Recorded[] {
    return this.received().filter((line) => line.method === 'tools/call' && (tool === undefined || line.params?.name === tool));
  }
}

function textOf(result: object): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content;
  return (content ?? []).map((part) => part.text ?? '').join('\n');
}

/**
 * An allowed call the server answers. The wrapper forwards in order and the stand-in records a line
 * before answering it, so once this is answered, everything forwarded before it is in the record.
 */
async function barrier(session: Session): Promise<void> {
  expect((await rpcError(session.client.callTool({ name: 'get_libraries', arguments: {} }))).code).toBe(-32603);
}

/** Polls until `probe` finds something; fails naming `what` if it never does. */
async function eventually<T>(probe: () => T | undefined, what: string, patienceMs = 10_000): Promise<T> {
  const deadline = Date.now() + patienceMs;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`waited ${patienceMs} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The JSON-RPC error a call was answered with (the SDK throws it); fails if it was answered otherwise. */
async function rpcError(promise: Promise<unknown>): Promise<McpError> {
  const outcome = await promise.then(
    (result) => new Error(`expected a JSON-RPC error, got a result: ${JSON.stringify(result)}`),
    (error: unknown) => error,
  );
  if (!(outcome instanceof McpError)) throw outcome;
  return outcome;
}

describe('the example Plex policy through the wrapper, in front of the stand-in', () => {
  beforeAll(() => requireBuild());

  let tmp: ReturnType<typeof tempDir>;
  let session: Session;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(async () => {
    await session?.client.close();
    tmp.remove();
  });

  test('every tool is listed: the two denied ones stay visible so the agent can say why', async () => {
    session = await new Session(tmp.dir).open();
    const { tools } = await session.client.listTools();
    expect(tools).toHaveLength(58);
    expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['delete_playlist', 'trakt_complete_auth']));
  });

  test('each hazard is answered by the wrapper and never reaches the server', async () => {
    session = await new Session(tmp.dir).open();
    await session.client.listTools();
    const answers: string[] = [];
    for (const hazard of hazards) {
      const result = await session.client.callTool({ name: hazard.tool, arguments: hazard.arguments });
      expect({ tool: hazard.tool, isError: result.isError }).toEqual({ tool: hazard.tool, isError: true });
      answers.push(`${hazard.tool}: ${textOf(result)}`);
    }
    for (const [index, hazard] of hazards.entries()) {
      const expected = hazard.cause === 'rule' ? `${hazard.tool}: Denied by policy: ` : `${hazard.tool}: Invalid arguments for ${hazard.tool}: `;
      expect(answers[index]?.startsWith(expected)).toBe(true);
    }
    expect(answers).toContainEqual(expect.stringMatching(/^get_recently_added: Invalid arguments for get_recently_added: .*limit.*500/));
    await barrier(session);
    expect(session.calls().map((line) => line.params?.name)).toEqual(['get_libraries']);
  });

  test('finishing the Trakt sign-in reaches the server, and the tokens in its answer are redacted before the agent sees them', async () => {
    session = await new Session(tmp.dir, { env: { STANDIN_TRAKT_TOKENS: '1' } }).open();
    const result = await session.client.callTool({ name: 'trakt_complete_auth', arguments: { code: 'ABCD1234' } });
    const text = textOf(result);
    expect(result.isError).toBeFalsy();
    expect(text).not.toContain('3f3f3f3f');
    expect(text).not.toContain('9c9c9c9c');
    expect(JSON.parse(text)).toMatchObject({ success: true, access_token: '[redacted]', refresh_token: '[redacted]', expires_in: 7776000 });
    await barrier(session);
    expect(session.calls().map((line) => line.params?.name)).toContain('trakt_complete_auth');
  });

  test('deleting a playlist waits for a person: without one to ask, it is refused and never reaches the server', async () => {
    session = await new Session(tmp.dir).open();
    const result = await session.client.callTool({ name: 'delete_playlist', arguments: { playlistId: '1' } });
    expect(result.isError).toBe(true);
    expect((result._meta as Record<string, any>)['policy-wrap/decision']).toMatchObject({ decision: expect.stringMatching(/^(approval-required|not-approved)$/), rule: '/tools/delete_playlist' });
    await barrier(session);
    expect(session.calls().map((line) => line.params?.name)).toEqual(['get_libraries']);
  });

  test('a tool the policy does not name is unknown to the agent and never reaches the server', async () => {
    session = await new Session(tmp.dir).open();
    const error = await rpcError(session.client.callTool({ name: 'plex_delete_library', arguments: { libraryKey: '1' } }));
    expect(error.message).toContain('Unknown tool: plex_delete_library');
    await barrier(session);
    expect(session.calls().map((line) => line.params?.name)).toEqual(['get_libraries']);
  });

  test('allowed calls reach the server, which fails them as the real one does without Plex', async () => {
    session = await new Session(tmp.dir).open();
    await session.client.listTools();
    for (const call of allowedCalls) {
      const error = await rpcError(session.client.callTool({ name: call.tool, arguments: call.arguments }));
      // Write tools are refused by the server itself while PLEX_ENABLE_MUTATIVE_OPS is off.
      expect([error.code, error.message]).toEqual([expect.any(Number), expect.stringMatching(/Error executing|is disabled/)]);
    }
    expect(session.calls().map((line) => [line.params?.name, line.params?.arguments])).toEqual(allowedCalls.map((call) => [call.tool, call.arguments]));
    const libraries = await rpcError(session.client.callTool({ name: 'get_libraries', arguments: {} }));
    expect(libraries.code).toBe(-32603);
  });

  test('trakt_authenticate: ten calls a minute reach the server, the eleventh is refused', async () => {
    session = await new Session(tmp.dir).open();
    await session.client.listTools();
    for (let call = 1; call <= 10; call += 1) {
      expect((await rpcError(session.client.callTool({ name: 'trakt_authenticate', arguments: {} }))).code).toBe(-32603);
    }
    const refused = await session.client.callTool({ name: 'trakt_authenticate', arguments: {} });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/^Rate limit: at most 10 calls per minute for trakt_authenticate; retry in \d+ s$/);
    await barrier(session);
    expect(session.calls('trakt_authenticate')).toHaveLength(10);
  });

  test('progress text the server prints on stdout never reaches the client, and the session goes on', async () => {
    session = await new Session(tmp.dir, { env: { STANDIN_PROGRESS: '1' } }).open();
    await session.client.listTools();
    const sync = await rpcError(session.client.callTool({ name: 'trakt_sync_to_trakt', arguments: { batchSize: 50 } }));
    expect(sync.message).toContain('Error executing trakt_sync_to_trakt');
    expect((await rpcError(session.client.callTool({ name: 'get_libraries', arguments: {} }))).code).toBe(-32603);
    expect(session.clientErrors).toEqual([]);
  });

  test('a call Plex never answers is ended at its timeout and cancelled at the server, which is stopped on close', async () => {
    // The example with a one-second timeout on get_libraries; the rest is as shipped.
    const document = JSON.parse(readFileSync(examplePolicy, 'utf8')) as { tools: Record<string, { timeout?: number }> };
    document.tools.get_libraries = { timeout: 1 };
    const policy = join(tmp.dir, 'plex.policy.json');
    writeFileSync(policy, JSON.stringify(document));
    session = await new Session(tmp.dir, { policy, env: { STANDIN_HANG: '1' } }).open();
    const pids = readPids(session.pidFile);
    try {
      await session.client.listTools();
      // The SDK's own request timeout is far longer, so the answer can only come from the wrapper.
      const answer = await session.client.callTool({ name: 'get_libraries', arguments: {} }, undefined, { timeout: 60_000 });
      expect(answer.isError).toBe(true);
      expect(textOf(answer)).toMatch(/^Timed out: get_libraries did not answer within 1 s/);
      const call = session.calls('get_libraries')[0];
      expect(call).toBeDefined();
      // The wrapper answers the client first and then tells the server; the server records it when it reads it.
      const cancelled = await eventually(() => session.received().find((line) => line.method === 'notifications/cancelled'), 'a notifications/cancelled at the server');
      expect(cancelled.params?.requestId).toBe(call?.id);

      await session.client.close();
      expect(pids).toHaveLength(1);
      expect(await stillRunning(pids, 10_000)).toEqual([]);
    } finally {
      killAll(pids);
    }
  });
});
