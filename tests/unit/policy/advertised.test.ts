import { readFileSync } from 'node:fs';
import { AdvertisedSchemaCompiler, compileAdvertisedSchemas, type AdvertisedTool } from '../../../src/policy/index.js';

describe('compileAdvertisedSchemas', () => {
  test('compiles the schemas servers send, whatever dialect they name', () => {
    const checks = compileAdvertisedSchemas([
      { name: 'plain', inputSchema: { type: 'object', properties: { n: { type: 'integer', maximum: 5 } } } },
      { name: 'draft7', inputSchema: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { n: { type: 'integer', exclusiveMaximum: 5 } } } },
      { name: 'draft6', inputSchema: { $schema: 'http://json-schema.org/draft-06/schema#', type: 'object', properties: { n: { type: 'integer' } } } },
      { name: 'draft2019', inputSchema: { $schema: 'https://json-schema.org/draft/2019-09/schema', type: 'object' } },
      { name: 'loose', inputSchema: { type: 'object', properties: { url: { type: 'string', format: 'uri', 'x-vendor': true } } } },
    ]);
    for (const name of ['plain', 'draft7', 'draft6', 'draft2019', 'loose']) expect(checks.get(name)?.ok).toBe(true);
    const plain = checks.get('plain');
    expect(plain?.ok && plain.check({ n: 9 })).toEqual(['/n must be <= 5']);
    expect(plain?.ok && plain.check({ n: 5 })).toEqual([]);
    const draft7 = checks.get('draft7');
    expect(draft7?.ok && draft7.check({ n: 5 })).toEqual(['/n must be < 5']);
  });

  test('a schema that cannot be checked is reported, not thrown', () => {
    const checks = compileAdvertisedSchemas([
      { name: 'missing' },
      { name: 'draft4', inputSchema: { $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' } },
      { name: 'broken', inputSchema: { type: 'object', properties: { a: { type: 'nonsense' } } } },
      { name: 'dangling', inputSchema: { $ref: '#/$defs/nowhere' } },
    ]);
    for (const name of ['missing', 'draft4', 'broken', 'dangling']) {
      const check = checks.get(name);
      expect(check?.ok).toBe(false);
      expect(check?.ok === false && check.problem).toMatch(/inputSchema/);
    }
  });

  test('a catastrophic pattern is answered at once: patterns run on the linear-time engine', () => {
    const checks = compileAdvertisedSchemas([
      { name: 'greedy', inputSchema: { type: 'object', properties: { q: { type: 'string', pattern: '^(a|aa)+$' } } } },
      { name: 'keys', inputSchema: { type: 'object', patternProperties: { '^(a|aa)+$': { type: 'integer' } } } },
    ]);
    const greedy = checks.get('greedy');
    const keys = checks.get('keys');
    expect(greedy?.ok && greedy.check({ q: `${'a'.repeat(41)}b` })).toEqual(['/q must match pattern "^(a|aa)+$"']);
    expect(greedy?.ok && greedy.check({ q: `${'a'.repeat(200_000)}b` })).toEqual(['/q must match pattern "^(a|aa)+$"']);
    expect(greedy?.ok && greedy.check({ q: 'a'.repeat(41) })).toEqual([]);
    expect(keys?.ok && keys.check({ [`${'a'.repeat(41)}b`]: 'x', [`${'a'.repeat(41)}`]: 'x' })).toHaveLength(1);
  });

  test('a pattern linear-time matching cannot run refuses the tool, saying why', () => {
    const checks = compileAdvertisedSchemas([
      { name: 'repeat', inputSchema: { type: 'object', properties: { q: { type: 'string', pattern: '^(\\w+) \\1$' } } } },
      { name: 'ahead', inputSchema: { $schema: 'http://json-schema.org/draft-07/schema#', properties: { p: { pattern: '^(?!/etc/)' } } } },
      { name: 'behind', inputSchema: { type: 'object', patternProperties: { '(?<=x)y': {} } } },
    ]);
    expect(checks.get('repeat')).toEqual({ ok: false, problem: `its inputSchema's pattern "^(\\\\w+) \\\\1$" uses a backreference, which linear-time matching (RE2) cannot run` });
    expect(checks.get('ahead')).toMatchObject({ ok: false, problem: expect.stringMatching(/^its inputSchema's pattern "\^\(\?!\/etc\/\)" uses a lookahead/) });
    expect(checks.get('behind')).toMatchObject({ ok: false, problem: expect.stringMatching(/uses a lookbehind/) });
  });

  test('two tools with the same $id do not clash', () => {
    const checks = compileAdvertisedSchemas([
      { name: 'a', inputSchema: { $id: 'https://example.com/same', type: 'object' } },
      { name: 'b', inputSchema: { $id: 'https://example.com/same', type: 'string' } },
    ]);
    const b = checks.get('b');
    expect(checks.get('a')?.ok).toBe(true);
    expect(b?.ok && b.check('text')).toEqual([]);
  });

  test('one compiler serves a whole session: the same schema twice, and an $id that names a meta-schema, break nothing', () => {
    const compiler = new AdvertisedSchemaCompiler();
    const schema = { type: 'object', properties: { n: { type: 'integer' } } };
    const first = compiler.compile([{ name: 'a', inputSchema: schema }]).get('a');
    const again = compiler.compile([{ name: 'a', inputSchema: schema }]).get('a');
    expect(first?.ok && first.check({ n: 'x' })).toEqual(['/n must be an integer']);
    expect(again?.ok && again.check({ n: 'x' })).toEqual(['/n must be an integer']);
    compiler.compile([{ name: 'odd', inputSchema: { $id: 'https://json-schema.org/draft/2020-12/schema', type: 'object' } }]);
    const later = compiler.compile([{ name: 'b', inputSchema: { type: 'object', required: ['q'] } }]).get('b');
    expect(later?.ok && later.check({})).toEqual(['arguments must have property "q"']);
  });

  test('compiles every tool of a real catalogue (58 Plex tools)', () => {
    const tools = (JSON.parse(readFileSync('tests/fixtures/plex/tools.json', 'utf8')) as { tools: AdvertisedTool[] }).tools;
    const checks = compileAdvertisedSchemas(tools);
    expect(checks.size).toBe(tools.length);
    expect([...checks.values()].every((check) => check.ok)).toBe(true);
  });
});
