import { loadPolicyText, type CompiledPolicy } from '../../../src/policy/index.js';
import { toolRows, type ServerTool, type ToolRow } from '../../../src/tools/rows.js';

function load(document: object): CompiledPolicy {
  const result = loadPolicyText(JSON.stringify(document), 'test.json');
  if (!result.ok) throw new Error(result.problems.map((problem) => `${problem.code}: ${problem.message}`).join('\n'));
  return result.policy;
}

const objectSchema = { type: 'object', properties: {} };
const tool = (name: string, more: Partial<ServerTool> = {}): ServerTool => ({ name, inputSchema: objectSchema, ...more });

function rowOf(rows: readonly ToolRow[], name: string): ToolRow {
  const row = rows.find((candidate) => candidate.name === name);
  if (row === undefined) throw new Error(`no row for ${name}`);
  return row;
}

describe('toolRows', () => {
  const policy = load({
    version: '1',
    default: 'deny',
    limits: [{ window: 'minute', max: 60 }],
    tools: {
      read_one: { timeout: 1.5 },
      search: {
        reason: 'query up to 20 characters',
        arguments: { type: 'object', required: ['query', 'kind'], properties: { query: { type: 'string', maxLength: 20 } } },
      },
      write_one: { limits: [{ window: 'hour', max: 5 }] },
      drop_all: { action: 'deny', reason: 'cannot be undone', hide: false },
      secret_tokens: { action: 'deny', reason: 'returns tokens' },
    },
  });
  const rows = toolRows(
    [tool('write_one'), tool('read_one'), tool('search'), tool('drop_all'), tool('secret_tokens'), tool('unlisted'), tool('Zebra')],
    policy,
  );

  test('one row per tool, sorted by code unit (capitals first), the same on every machine', () => {
    expect(rows.map((row) => row.name)).toEqual(['Zebra', 'drop_all', 'read_one', 'search', 'secret_tokens', 'unlisted', 'write_one']);
  });

  test('an allowed tool: the rule, policy-wide budgets, its timeout in seconds, no limits of its own', () => {
    expect(rowOf(rows, 'read_one')).toEqual({
      name: 'read_one',
      hints: {},
      decision: 'allowed',
      rule: '/tools/read_one',
      hidden: false,
      limits: [],
      budgets: ['at most 60 calls per minute for all tools'],
      argumentsChecked: false,
      checkedArguments: [],
      inputSchemaChecked: false,
      timeoutSeconds: 1.5,
      enforced: true,
    });
  });

  test('a rule with limits makes the tool limited; its own budgets come first among all budgets', () => {
    const row = rowOf(rows, 'write_one');
    expect(row.decision).toBe('limited');
    expect(row.limits).toEqual([{ description: 'at most 5 calls per hour for write_one', rule: '/tools/write_one/limits/0', sharedWith: [] }]);
    expect(row.budgets).toEqual(['at most 5 calls per hour for write_one', 'at most 60 calls per minute for all tools']);
    expect(row).not.toHaveProperty('timeoutSeconds');
  });

  test('an arguments schema: checked, naming its properties and then the other required names', () => {
    const row = rowOf(rows, 'search');
    expect(row).toMatchObject({ decision: 'allowed', argumentsChecked: true, checkedArguments: ['query', 'kind'] });
    // The reason belongs to argument refusals; the tool itself is not refused.
    expect(row).not.toHaveProperty('reason');
  });

  test('denied and visible, with the reason the agent is told; nothing of an allowed call applies', () => {
    expect(rowOf(rows, 'drop_all')).toEqual({
      name: 'drop_all',
      hints: {},
      decision: 'denied',
      rule: '/tools/drop_all',
      reason: 'cannot be undone',
      hidden: false,
      limits: [],
      budgets: [],
      argumentsChecked: false,
      checkedArguments: [],
      inputSchemaChecked: false,
      enforced: true,
    });
  });

  test('a deny rule without hide: false hides the tool; so does the default deny', () => {
    expect(rowOf(rows, 'secret_tokens')).toMatchObject({ decision: 'hidden', hidden: true, reason: 'returns tokens' });
    expect(rowOf(rows, 'unlisted')).toMatchObject({
      decision: 'hidden',
      hidden: true,
      rule: '(default)',
      reason: 'unlisted is not allowed by the policy (default: deny)',
    });
  });

  test('the hints the server states are carried over as claims', () => {
    const [row] = toolRows([tool('get', { annotations: { readOnlyHint: true, openWorldHint: false, title: 'Get' } })], load({ version: '1', default: 'allow' }));
    expect(row?.hints).toEqual({ readOnly: true, openWorld: false });
  });

  test('a name listed twice gets one row, from its last entry', () => {
    const listed = [tool('twice', { annotations: { readOnlyHint: false } }), tool('twice', { annotations: { readOnlyHint: true } })];
    const result = toolRows(listed, load({ version: '1', default: 'allow' }));
    expect(result).toHaveLength(1);
    expect(result[0]?.hints).toEqual({ readOnly: true });
  });

  test('monitor mode: denied tools are shown as denied but not enforced, and nothing is hidden', () => {
    const monitor = load({ version: '1', default: 'deny', mode: 'monitor', tools: { ok: {}, no: { action: 'deny' } } });
    const result = toolRows([tool('ok'), tool('no'), tool('other')], monitor);
    expect(result.map(({ name, decision, hidden, enforced }) => ({ name, decision, hidden, enforced }))).toEqual([
      { name: 'no', decision: 'denied', hidden: false, enforced: false },
      { name: 'ok', decision: 'allowed', hidden: false, enforced: false },
      { name: 'other', decision: 'denied', hidden: false, enforced: false },
    ]);
  });
});

describe('toolRows with input_schema: enforce', () => {
  const policy = load({ version: '1', default: 'allow', input_schema: 'enforce', tools: { fine: {} } });

  test('allowed tools are checked against their advertised schema; required fields do not make them look refused', () => {
    const row = toolRows([tool('fine', { inputSchema: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } })], policy)[0];
    expect(row).toMatchObject({ decision: 'allowed', inputSchemaChecked: true });
  });

  test('a tool whose advertised schema cannot be used is denied, visibly, in the engine words', () => {
    const result = toolRows([tool('no_schema', { inputSchema: undefined }), tool('odd_dialect', { inputSchema: { $schema: 'http://example.com/mine', type: 'object' } })], policy);
    expect(result[0]).toMatchObject({
      name: 'no_schema',
      decision: 'denied',
      rule: '/input_schema',
      hidden: false,
      reason: expect.stringContaining('no usable inputSchema'),
      inputSchemaChecked: false,
      budgets: [],
    });
    expect(result[1]).toMatchObject({ name: 'odd_dialect', decision: 'denied', reason: expect.stringContaining('"http://example.com/mine"') });
  });

  test('with input_schema ignored, an unusable schema changes nothing', () => {
    const result = toolRows([tool('no_schema', { inputSchema: undefined })], load({ version: '1', default: 'allow' }));
    expect(result[0]).toMatchObject({ decision: 'allowed', inputSchemaChecked: false });
  });
});

describe('toolRows: shared budgets', () => {
  test('rules naming one counter with the same window, scope and per share a budget', () => {
    const policy = load({
      version: '1',
      default: 'deny',
      tools: {
        add: { limits: [{ counter: 'writes', window: 'hour', max: 30 }, { window: 'hour', max: 3, per: 'arguments.id' }] },
        remove: { limits: [{ counter: 'writes', window: 'hour', max: 30 }] },
        rename: { limits: [{ counter: 'writes', window: 'hour', max: 30 }] },
        tag: { limits: [{ counter: 'writes', window: 'day', max: 30 }] },
        gone: { action: 'deny', limits: [{ counter: 'writes', window: 'hour', max: 30 }] },
      },
    });
    const rows = toolRows(['add', 'remove', 'rename', 'tag', 'gone'].map((name) => tool(name)), policy);
    expect(rowOf(rows, 'add').limits).toEqual([
      { description: 'at most 30 calls per hour for add', rule: '/tools/add/limits/0', counter: 'writes', sharedWith: ['remove', 'rename'] },
      { description: 'at most 3 calls per hour for add, counted per distinct arguments.id', rule: '/tools/add/limits/1', sharedWith: [] },
    ]);
    expect(rowOf(rows, 'remove').limits[0]?.sharedWith).toEqual(['add', 'rename']);
    // A different window is a different budget, and a denied tool draws on none.
    expect(rowOf(rows, 'tag').limits[0]?.sharedWith).toEqual([]);
    expect(rowOf(rows, 'gone').limits).toEqual([]);
  });

  test('a limit on a pattern is one budget for every tool the pattern decides', () => {
    const policy = load({ version: '1', default: 'deny', tools: { 'playlist_*': { limits: [{ window: 'minute', max: 10 }] }, playlist_read: {} } });
    const rows = toolRows(['playlist_add', 'playlist_drop', 'playlist_read'].map((name) => tool(name)), policy);
    expect(rowOf(rows, 'playlist_add').limits).toEqual([{ description: 'at most 10 calls per minute for tools matching playlist_*', rule: '/tools/playlist_*/limits/0', sharedWith: ['playlist_drop'] }]);
    expect(rowOf(rows, 'playlist_read').decision).toBe('allowed');
  });
});
