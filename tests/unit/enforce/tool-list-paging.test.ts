import { MAX_TOOL_LIST_PAGES, createPolicyGate } from '../../../src/enforce/policy-gate.js';
import { Limiter } from '../../../src/limits/limiter.js';
import { MemoryStore } from '../../../src/limits/memory-store.js';
import { loadPolicyText } from '../../../src/policy/index.js';
import type { GateContext } from '../../../src/proxy/gate.js';
import { gateContext } from '../../support/gate-context.js';

function enforcingGate() {
  const loaded = loadPolicyText(JSON.stringify({ version: '1', default: 'allow', input_schema: 'enforce' }), 'policy.json');
  if (!loaded.ok) throw new Error('bad policy');
  const clock = () => 0;
  return createPolicyGate({ policy: () => loaded.policy, limiter: new Limiter({ store: new MemoryStore(), clock, failMode: 'closed' }), clock, grant: 'g', session: 's' });
}

/** A server whose tools/list never ends: `cursor(page)` names the next page of page `page`. */
function endlessServer(cursor: (page: number) => string) {
  const asked: unknown[] = [];
  const context: GateContext = gateContext({
    requestFromServer: async (method, params) => {
      asked.push(params?.cursor);
      return { tools: [{ name: `tool-${asked.length}`, inputSchema: { type: 'object' } }], nextCursor: cursor(asked.length) };
    },
  });
  return { asked, context };
}

const call = { id: 1, name: 'missing_tool', arguments: {}, params: { name: 'missing_tool' } };

describe('the tools/list the gate fetches on its own always ends', () => {
  test('at a cursor it has seen before', async () => {
    const { asked, context } = endlessServer(() => 'same');
    const verdict = await enforcingGate().checkCall(call, context);
    expect(verdict.kind).toBe('answer');
    expect(asked).toEqual([undefined, 'same']);
  });

  test(`after ${MAX_TOOL_LIST_PAGES} pages of ever-new cursors`, async () => {
    const { asked, context } = endlessServer((page) => `page-${page}`);
    const verdict = await enforcingGate().checkCall(call, context);
    expect(verdict.kind).toBe('answer');
    expect(asked).toHaveLength(MAX_TOOL_LIST_PAGES);
  });
});
