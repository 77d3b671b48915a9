import { Chalk } from 'chalk';
import { renderTable } from '../../../src/cli/tools.js';
import { loadPolicyText, type CompiledPolicy } from '../../../src/policy/index.js';
import { approvalText } from '../../../src/tools/approval.js';
import { toolRows, type ServerTool, type ToolRow } from '../../../src/tools/rows.js';

function load(document: object): CompiledPolicy {
  const result = loadPolicyText(JSON.stringify(document), 'test.json');
  if (!result.ok) throw new Error(result.problems.map((problem) => `${problem.code}: ${problem.message}`).join('\n'));
  return result.policy;
}

const tool = (name: string, more: Partial<ServerTool> = {}): ServerTool => ({ name, inputSchema: { type: 'object' }, ...more });

function rowOf(rows: readonly ToolRow[], name: string): ToolRow {
  const row = rows.find((candidate) => candidate.name === name);
  if (row === undefined) throw new Error(`no row for ${name}`);
  return row;
}

const plain = new Chalk({ level: 0 });

const policy = load({
  version: '1',
  default: 'deny',
  tools: {
    delete_playlist: {
      action: 'ask',
      approval: { timeout: 60, remember: 'session' },
      arguments: { type: 'object', properties: { id: { type: 'integer' } } },
      limits: [{ counter: 'deletes', window: 'hour', max: 5 }],
      timeout: 30,
    },
    trakt_complete_auth: { action: 'ask' },
    search_all: { action: 'ask', approval: { remember: 600 } },
    remove_item: { limits: [{ counter: 'deletes', window: 'hour', max: 5 }] },
    get_items: {},
  },
});
const tools = [tool('delete_playlist', { annotations: { destructiveHint: true } }), tool('trakt_complete_auth'), tool('search_all'), tool('remove_item'), tool('get_items'), tool('other')];

describe('toolRows: ask', () => {
  const rows = toolRows(tools, policy);

  test('an ask rule with limits is "ask", not "limited", and keeps its limits, arguments, timeout and approval', () => {
    expect(rowOf(rows, 'delete_playlist')).toEqual({
      name: 'delete_playlist',
      hints: { destructive: true },
      decision: 'ask',
      rule: '/tools/delete_playlist',
      hidden: false,
      limits: [{ description: 'at most 5 calls per hour for delete_playlist', rule: '/tools/delete_playlist/limits/0', counter: 'deletes', sharedWith: ['remove_item'] }],
      budgets: ['at most 5 calls per hour for delete_playlist'],
      argumentsChecked: true,
      checkedArguments: ['id'],
      inputSchemaChecked: false,
      timeoutSeconds: 30,
      approval: { timeoutSeconds: 60, remember: 'session' },
      enforced: true,
    });
  });

  test('approval defaults: 120 s, "call"; a span of time in seconds', () => {
    expect(rowOf(rows, 'trakt_complete_auth')).toMatchObject({ decision: 'ask', limits: [], approval: { timeoutSeconds: 120, remember: 'call' } });
    expect(rowOf(rows, 'search_all').approval).toEqual({ timeoutSeconds: 120, remember: 600 });
  });

  test('tools that are not asked carry no approval', () => {
    for (const name of ['remove_item', 'get_items', 'other']) expect(rowOf(rows, name)).not.toHaveProperty('approval');
    expect(rowOf(rows, 'remove_item').limits[0]?.sharedWith).toEqual(['delete_playlist']);
  });

  test('an asked tool whose advertised schema cannot be checked is refused, not asked', () => {
    const enforcing = load({ version: '1', default: 'deny', input_schema: 'enforce', tools: { a: { action: 'ask' } } });
    const [row] = toolRows([tool('a', { inputSchema: { type: 'object', properties: { x: { $ref: 'https://elsewhere.example/schema' } } } })], enforcing);
    expect(row).toMatchObject({ decision: 'denied', hidden: false });
    expect(row).not.toHaveProperty('approval');
  });
});

describe('approvalText', () => {
  test.each([
    [{ timeoutSeconds: 120, remember: 'call' as const }, 'a person approves each call (120 s to answer)'],
    [{ timeoutSeconds: 60, remember: 'session' as const }, 'a person approves each call (remembered for the session, same arguments; 60 s to answer)'],
    [{ timeoutSeconds: 120, remember: 90 }, 'a person approves each call (remembered for 90 s, same arguments; 120 s to answer)'],
    [{ timeoutSeconds: 120, remember: 600 }, 'a person approves each call (remembered for 10 min, same arguments; 120 s to answer)'],
    [{ timeoutSeconds: 120, remember: 7200 }, 'a person approves each call (remembered for 2 h, same arguments; 120 s to answer)'],
    [{ timeoutSeconds: 120, remember: 86400 }, 'a person approves each call (remembered for 1 day, same arguments; 120 s to answer)'],
    [{ timeoutSeconds: 0.5, remember: 2592000 }, 'a person approves each call (remembered for 30 days, same arguments; 0.5 s to answer)'],
  ])('%j', (approval, expected) => {
    expect(approvalText(approval)).toBe(expected);
  });
});

describe('renderTable: ask', () => {
  test('the word "ask", how a person approves, then limits and the other details; the summary counts asked tools', () => {
    expect(renderTable(toolRows(tools, policy), policy, plain)).toBe(
      [
        'TOOL                 SERVER HINTS  POLICY',
        'delete_playlist      destructive   ask: a person approves each call (remembered for the session, same arguments; 60 s to answer); at most 5 calls per hour, shared with remove_item (counter deletes) · checks arguments id · timeout 30 s',
        'get_items            (no hints)    allowed',
        'other                (no hints)    hidden: other is not allowed by the policy (default: deny)',
        'remove_item          (no hints)    limited: at most 5 calls per hour, shared with delete_playlist (counter deletes)',
        'search_all           (no hints)    ask: a person approves each call (remembered for 10 min, same arguments; 120 s to answer)',
        'trakt_complete_auth  (no hints)    ask: a person approves each call (120 s to answer)',
        '',
        '6 tools: 1 allowed, 1 limited, 3 asked, 0 denied (visible), 1 hidden.',
        'Asked calls are checked and counted first: a person is asked only about a call that would otherwise go through.',
        "Hints are the server's own claims; policy-wrap does not check them.",
        '',
      ].join('\n'),
    );
  });

  test('shows the use of an asked tool\'s budget', () => {
    const rows = toolRows([tool('delete_playlist')], policy);
    const [limit] = rows[0]?.limits ?? [];
    if (limit !== undefined) limit.use = { used: 5, max: 5, windowMs: 3_600_000, retryAfterMs: 41_500 };
    expect(renderTable(rows, policy, plain)).toContain('at most 5 calls per hour (5 of 5 used, room again in 42 s) · checks arguments id');
  });

  test('asked tools are painted magenta, and colour changes no character of the layout', () => {
    const coloured = renderTable(toolRows(tools, policy), policy, new Chalk({ level: 1 }));
    expect(coloured).toContain('\u001b[35mask\u001b[39m');
    expect(coloured.replace(/\u001b\[[0-9;]*m/g, '')).toBe(renderTable(toolRows(tools, policy), policy, plain));
  });

  test('monitor mode: an asked tool is forwarded without asking', () => {
    const monitor = load({ version: '1', default: 'deny', mode: 'monitor', tools: { a: { action: 'ask' } } });
    const rows = toolRows([tool('a')], monitor);
    expect(rows[0]).toMatchObject({ decision: 'ask', enforced: false, approval: { timeoutSeconds: 120, remember: 'call' } });
    const table = renderTable(rows, monitor, plain);
    expect(table).toContain('a     (no hints)    ask: a person approves each call (120 s to answer) (monitor mode: forwarded without asking)\n');
    expect(table).not.toContain('Asked calls are checked');
  });
});
