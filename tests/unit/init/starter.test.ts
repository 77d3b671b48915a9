import { readFileSync } from 'node:fs';
import { STARTER_TIMEOUT_SECONDS, starterPolicy, type ListedTool } from '../../../src/init/starter.js';
import { parseGlob } from '../../../src/policy/glob.js';
import { loadPolicyText } from '../../../src/policy/load.js';
import { formatProblem } from '../../../src/policy/problems.js';
import { policySchemaId } from '../../../src/policy/schema.js';
import { lintAgainstServer } from '../../../src/policy/server-lint.js';

const plexTools = (
  JSON.parse(readFileSync(new URL('../../fixtures/plex/tools.json', import.meta.url), 'utf8')) as { tools: ListedTool[] }
).tools;

describe('starterPolicy', () => {
  test('turns each kind of tool into its rule', () => {
    const { document, kinds } = starterPolicy([
      { name: 'read', annotations: { readOnlyHint: true } },
      { name: 'wipe', annotations: { destructiveHint: true } },
      { name: 'post', annotations: { destructiveHint: false, openWorldHint: true } },
      { name: 'note', annotations: { destructiveHint: false, openWorldHint: false } },
      { name: 'bare' },
    ]);
    const tools = document.tools ?? {};
    expect(tools['read']).toMatchObject({ action: 'allow' });
    expect(tools['read']).not.toHaveProperty('limits');
    expect(tools['wipe']).toMatchObject({ action: 'deny', hide: false });
    expect(tools['wipe']?.reason).toMatch(/deletes or overwrites/);
    expect(tools['post']).toMatchObject({ action: 'deny', hide: false });
    expect(tools['post']?.reason).toMatch(/outside the server/);
    expect(tools['note']).toMatchObject({ action: 'allow', limits: [{ window: 'minute', max: 10 }] });
    expect(tools['bare']).toMatchObject({ action: 'deny', hide: false });
    expect(kinds).toEqual({ 'read-only': 1, destructive: 2, 'open-world': 1, contained: 1 });
  });

  test('denied rules say that annotations are hints; allowing rules carry no reason, which would never be shown', () => {
    const { document } = starterPolicy([
      { name: 'a', annotations: { readOnlyHint: true } },
      { name: 'b' },
      { name: 'c', annotations: { destructiveHint: false } },
      { name: 'd', annotations: { destructiveHint: false, openWorldHint: false } },
    ]);
    for (const rule of Object.values(document.tools ?? {})) {
      if (rule.action === 'deny') expect(rule.reason).toMatch(/hints from the server, not verified/);
      else expect(rule).not.toHaveProperty('reason');
    }
  });

  test('denies by default, enforces input schemas and names the schema', () => {
    const { document } = starterPolicy([]);
    expect(document).toEqual({ $schema: policySchemaId, version: '1', default: 'deny', input_schema: 'enforce', tools: {} });
  });

  test('sorts tools by name whatever order the server used', () => {
    const names = ['b', 'a_2', 'C', 'a', 'a_10'];
    const { document } = starterPolicy(names.map((name) => ({ name, annotations: { readOnlyHint: true } })));
    expect(Object.keys(document.tools ?? {})).toEqual(['C', 'a', 'a_10', 'a_2', 'b']);
  });

  test('the same tools in another order give the same text', () => {
    const forward = JSON.stringify(starterPolicy(plexTools).document);
    const backward = JSON.stringify(starterPolicy([...plexTools].reverse()).document);
    expect(backward).toBe(forward);
  });

  test.each(['get*', 'a?b', '[x]', 'x]y', 'back\\slash', '*?[]\\'])('escapes %j so the key names exactly that tool', (name) => {
    const { document, notes } = starterPolicy([{ name, annotations: { readOnlyHint: true } }]);
    const keys = Object.keys(document.tools ?? {});
    expect(keys).toHaveLength(1);
    expect(parseGlob(keys[0] as string).exact).toBe(name);
    const loaded = loadPolicyText(JSON.stringify(document), 'starter.json');
    expect(loaded.ok && loaded.policy.ruleFor(name)?.action).toBe('allow');
    expect(notes).toEqual(name === 'x]y' ? [] : [expect.stringContaining('not read as a pattern')]);
  });

  test('what it writes loads without errors or warnings, and lints clean against the server', () => {
    const mixed: ListedTool[] = [
      ...plexTools,
      { name: 'contained', annotations: { destructiveHint: false, openWorldHint: false } },
      { name: 'bare' },
    ];
    const { document } = starterPolicy(mixed);
    const loaded = loadPolicyText(JSON.stringify(document, null, 2), 'starter.json');
    if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
    expect(loaded.warnings.map(formatProblem)).toEqual([]);
    expect(lintAgainstServer(loaded.policy, mixed)).toEqual([]);

    const compiled = loaded.policy;
    expect(compiled.ruleFor('contained')?.limits.map((limit) => [limit.windowMs, limit.max])).toEqual([[60_000, 10]]);
    expect(compiled.ruleFor('bare')).toMatchObject({ action: 'deny', hide: false });
    expect(compiled.ruleFor('not_listed')).toBeUndefined();
    expect(compiled.default).toBe('deny');
  });

  test('keeps the first of duplicate names and skips empty ones, saying so', () => {
    const { document, notes, kinds } = starterPolicy([
      { name: 'x', annotations: { readOnlyHint: true } },
      { name: 'x' },
      { name: '' },
    ]);
    expect(document.tools).toEqual({ x: expect.objectContaining({ action: 'allow' }) });
    expect(kinds['read-only']).toBe(1);
    expect(notes).toEqual([expect.stringContaining('more than once'), expect.stringContaining('empty name')]);
  });

  test('on the Plex catalogue: every read-only tool allowed and visible, every other tool denied but visible', () => {
    const { document, kinds } = starterPolicy(plexTools);
    const rules = document.tools ?? {};
    expect(Object.keys(rules)).toHaveLength(58);
    for (const tool of plexTools) {
      const rule = rules[tool.name];
      if (tool.annotations?.readOnlyHint === true) {
        expect(rule).toMatchObject({ action: 'allow', timeout: STARTER_TIMEOUT_SECONDS });
      } else {
        expect(rule).toMatchObject({ action: 'deny', hide: false });
      }
      expect(rule?.hide).not.toBe(true);
    }
    expect(kinds).toEqual({ 'read-only': 36, destructive: 2, 'open-world': 20, contained: 0 });
  });

  test('protects as it starts: calls are checked against the advertised schemas, and every allowed tool has a timeout', () => {
    const { document } = starterPolicy([{ name: 'read', annotations: { readOnlyHint: true } }, { name: 'count', annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: false } }]);
    expect(document.input_schema).toBe('enforce');
    expect(document.tools).toEqual({
      count: { action: 'allow', limits: [{ window: 'minute', max: 10 }], timeout: 60 },
      read: { action: 'allow', timeout: 60 },
    });
  });
});
