import { AdvertisedTools } from '../../../src/enforce/advertised-tools.js';

const page = (schema: unknown): Record<string, unknown> => ({ tools: [{ name: 'search', inputSchema: schema }] });

describe('AdvertisedTools', () => {
  test('a list that repeats a schema keeps its compiled check; a changed schema is compiled again', () => {
    const tools = new AdvertisedTools();
    tools.recordPage(page({ type: 'object', properties: { q: { type: 'string' } }, required: ['q'] }));
    const first = tools.check('search');
    expect(first).toBeDefined();
    // The same schema, its keys in another order: the compiled check is kept.
    tools.recordPage(page({ required: ['q'], properties: { q: { type: 'string' } }, type: 'object' }));
    expect(tools.check('search')).toBe(first);
    tools.recordPage(page({ type: 'object', properties: { q: { type: 'number' } }, required: ['q'] }));
    const second = tools.check('search');
    expect(second).not.toBe(first);
    expect(tools.isComplete).toBe(true);
  });

  test('forget drops schemas and checks until the next list', () => {
    const tools = new AdvertisedTools();
    tools.recordPage({ tools: [{ name: 'a', inputSchema: { type: 'object' } }], nextCursor: 'p2' });
    expect(tools.isComplete).toBe(false);
    expect(tools.has('a')).toBe(true);
    tools.forget();
    expect(tools.has('a')).toBe(false);
    expect(tools.check('a')).toBeUndefined();
  });
});
