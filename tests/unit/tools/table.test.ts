import { Chalk } from 'chalk';
import { renderTable } from '../../../src/cli/tools.js';
import { loadPolicyText, type CompiledPolicy } from '../../../src/policy/index.js';
import { toolRows, type ServerTool } from '../../../src/tools/rows.js';

function load(document: object): CompiledPolicy {
  const result = loadPolicyText(JSON.stringify(document), 'test.json');
  if (!result.ok) throw new Error(result.problems.map((problem) => `${problem.code}: ${problem.message}`).join('\n'));
  return result.policy;
}

const plain = new Chalk({ level: 0 });
const tools: ServerTool[] = [
  { name: 'get_items', inputSchema: { type: 'object' }, annotations: { readOnlyHint: true, openWorldHint: true } },
  { name: 'mark.seen', inputSchema: { type: 'object' }, annotations: { readOnlyHint: false, destructiveHint: false } },
  { name: 'mark_unseen', inputSchema: { type: 'object' }, annotations: { readOnlyHint: false, destructiveHint: false } },
  { name: 'delete_all', inputSchema: { type: 'object' }, annotations: { readOnlyHint: false, destructiveHint: true } },
  { name: 'tokens', inputSchema: { type: 'object' } },
];
const policy = load({
  version: '1',
  default: 'deny',
  input_schema: 'enforce',
  limits: [{ counter: 'all', window: 'minute', max: 60 }],
  tools: {
    get_items: { reason: 'limit at most 500', arguments: { type: 'object', properties: { limit: { type: 'integer', maximum: 500 } } }, timeout: 60 },
    'mark.seen': { limits: [{ counter: 'writes', window: 'hour', max: 30 }, { window: 'hour', max: 3, per: 'arguments.id' }] },
    mark_unseen: { limits: [{ counter: 'writes', window: 'hour', max: 30 }] },
    delete_all: { action: 'deny', reason: 'cannot be undone', hide: false },
  },
});

describe('renderTable', () => {
  const text = renderTable(toolRows(tools, policy), policy, plain);

  test('a header, one aligned line per tool, then what applies to every tool', () => {
    expect(text).toBe(
      [
        'TOOL         SERVER HINTS           POLICY',
        'delete_all   writes, destructive    denied: cannot be undone',
        'get_items    read-only, open-world  allowed · checks arguments limit · timeout 60 s',
        'mark.seen    writes, additive       limited: at most 30 calls per hour, shared with mark_unseen (counter writes); at most 3 calls per hour, counted per distinct arguments.id',
        'mark_unseen  writes, additive       limited: at most 30 calls per hour, shared with mark.seen (counter writes)',
        'tokens       (no hints)             hidden: tokens is not allowed by the policy (default: deny)',
        '',
        '5 tools: 1 allowed, 2 limited, 0 asked, 1 denied (visible), 1 hidden.',
        'Every allowed call also counts toward: at most 60 calls per minute for all tools.',
        "Allowed calls must also match the tool's advertised input schema (input_schema: enforce).",
        "Hints are the server's own claims; policy-wrap does not check them.",
        '',
      ].join('\n'),
    );
  });

  test('colour changes no character of the layout', () => {
    const coloured = renderTable(toolRows(tools, policy), policy, new Chalk({ level: 1 }));
    expect(coloured).not.toBe(text);
    expect(coloured.replace(/\u001b\[[0-9;]*m/g, '')).toBe(text);
  });

  test('a tool named like a regular expression keeps the rest of its limit text', () => {
    const odd = load({ version: '1', default: 'deny', tools: { 'a\\*b': { limits: [{ window: 'day', max: 1 }] } } });
    const table = renderTable(toolRows([{ name: 'a*b' }], odd), odd, plain);
    expect(table).toContain('limited: at most 1 call per day\n');
  });

  test('monitor mode says that refusals are only recorded', () => {
    const monitor = load({ version: '1', default: 'deny', mode: 'monitor' });
    const table = renderTable(toolRows([{ name: 'x' }], monitor), monitor, plain);
    expect(table).toContain('x     (no hints)    denied (monitor mode: forwarded anyway): x is not allowed by the policy (default: deny)\n');
    expect(table).toContain('Monitor mode: nothing is blocked or hidden; refusals are only recorded.\n');
  });
});
