import { MemoryApprovalStore } from '../../../src/approvals/memory-approvals.js';
import { ApprovalDesk, coverage, durationInWords } from '../../../src/enforce/approval-desk.js';
import type { ApprovalRule } from '../../../src/policy/index.js';
import type { GateContext, ToolCall } from '../../../src/proxy/gate.js';
import { serverName } from '../../../src/cli/approval-setup.js';
import { gateContext } from '../../support/gate-context.js';

let now = 1_000_000;
let nextId = 1;
const call = (args: Record<string, unknown> = { id: 1 }): ToolCall => ({ id: nextId++, name: 'delete_playlist', arguments: args, params: { name: 'delete_playlist', arguments: args } });
const rule = (remember: ApprovalRule['remember'] = { kind: 'call' }): ApprovalRule => ({ timeoutMs: 120_000, remember });

function desk(store?: MemoryApprovalStore): ApprovalDesk {
  return new ApprovalDesk({ grant: 'g', session: 's', clock: () => now, server: 'plex-mcp-server', store: async () => store, stateHint: '' });
}

/** A client that shows forms and answers each with `action`. */
function formClient(action: string): { context: GateContext; asked: string[] } {
  const asked: string[] = [];
  const context = gateContext({
    client: () => ({ elicitationForm: true, acceptsRequests: true }),
    requestFromClient: (_method, params) => {
      asked.push(String(params.message));
      return { answer: Promise.resolve({ action }), cancel: () => undefined };
    },
  });
  return { context, asked };
}

test('remember for a number of seconds: covered until then, asked again after', async () => {
  const approvals = desk();
  const { context, asked } = formClient('accept');
  const remember = rule({ kind: 'for', ms: 60_000 });
  expect(await approvals.decide(call(), '/tools/x', remember, context)).toMatchObject({ approved: true, audit: { via: 'elicitation' } });
  now += 59_000;
  expect(await approvals.decide(call(), '/tools/x', remember, context)).toMatchObject({ approved: true, audit: { via: 'remembered' } });
  now += 2_000;
  expect(await approvals.decide(call(), '/tools/x', remember, context)).toMatchObject({ approved: true, audit: { via: 'elicitation' } });
  expect(asked).toHaveLength(2);
  expect(asked[0]).toContain('Approving also allows the same call with the same arguments for 1 minute.');
});

test('the question names the server and the tool, and shows the arguments with secrets masked', async () => {
  const { context, asked } = formClient('decline');
  const result = await desk().decide(call({ playlistId: 7, apiToken: 'abc123' }), '/tools/x', rule(), context);
  expect(result).toMatchObject({ approved: false, refusal: { text: 'Not approved: declined by the user', meta: { decision: 'not-approved', cause: 'declined', rule: '/tools/x' } } });
  expect(asked[0]).toMatch(/^plex-mcp-server wants to run the tool "delete_playlist" with these arguments:\n/);
  expect(asked[0]).toContain('"playlistId": 7');
  expect(asked[0]).not.toContain('abc123');
});

test('from a terminal: a code, the same code while pending, then the verdict once', async () => {
  const store = new MemoryApprovalStore();
  const approvals = desk(store);
  const context = gateContext();
  const first = await approvals.decide(call(), '/tools/x', rule(), context);
  if (first.approved) throw new Error('approved without asking');
  const code = first.refusal.meta.approvalCode as string;
  expect(first.refusal.text).toBe(`This call needs your approval: run "policy-wrap approvals" in a terminal and approve ${code}, then ask me to try again.`);
  expect(await approvals.decide(call(), '/tools/x', rule(), context)).toMatchObject({ approved: false, refusal: { meta: { approvalCode: code } } });
  now += 5_000;
  expect(await store.decide(code, 'approved', 'ada', now)).toBe(true);
  expect(await approvals.decide(call(), '/tools/x', rule(), context)).toEqual({
    approved: true,
    audit: { via: 'cli', by: 'ada', decidedAt: new Date(now).toISOString(), waitedMs: 5_000 },
  });
  expect(await approvals.decide(call(), '/tools/x', rule(), context)).toMatchObject({ approved: false, refusal: { meta: { decision: 'approval-required' } } });
});

test('a store that fails refuses the call, saying the approval store is unavailable', async () => {
  const approvals = new ApprovalDesk({ grant: 'g', session: 's', clock: () => now, server: 'x', store: () => Promise.reject(new Error('disk full')), stateHint: '' });
  expect(await approvals.decide(call(), '/tools/x', rule(), gateContext())).toMatchObject({
    approved: false,
    refusal: { text: 'Refused: the approval store is unavailable (disk full); try again later', meta: { decision: 'store-unavailable', cause: 'approval-store' } },
  });
});

test('words for what an approval covers', () => {
  expect(coverage({ kind: 'call' })).toBe('Approving allows this one call.');
  expect(coverage({ kind: 'session' })).toContain('for the rest of this session');
  expect([1_000, 90_000, 7_200_000, 86_400_000].map(durationInWords)).toEqual(['1 second', '90 seconds', '2 hours', '1 day']);
});

test('the server as a person knows it, never with more of its arguments than a script name', () => {
  expect(serverName('/usr/local/bin/plex-mcp-server', ['--token', 'secret'])).toBe('plex-mcp-server');
  expect(serverName('node', ['/srv/plex/build/plex-mcp-server.js', '--token', 'secret'])).toBe('node plex-mcp-server.js');
  expect(serverName('npx', ['-y', '@modelcontextprotocol/server-everything', 'stdio'])).toBe('npx server-everything');
  expect(serverName('C:\\Program Files\\nodejs\\node.exe', [])).toBe('node');
});
