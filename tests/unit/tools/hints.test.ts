import { hintLabels, statedHints, type StatedHints } from '../../../src/tools/hints.js';

describe('statedHints', () => {
  test('keeps the boolean hints the server states, under short names', () => {
    expect(statedHints({ title: 'Get Libraries', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false })).toEqual({
      readOnly: true,
      destructive: false,
      idempotent: true,
      openWorld: false,
    });
  });

  test('no annotations, or hints that are not booleans, state nothing', () => {
    expect(statedHints(undefined)).toEqual({});
    expect(statedHints({ readOnlyHint: 'true', destructiveHint: 0, idempotentHint: null, openWorldHint: {} })).toEqual({});
  });
});

describe('hintLabels', () => {
  const cases: Array<[StatedHints, string[]]> = [
    [{}, []],
    [{ readOnly: true, destructive: false, openWorld: true }, ['read-only', 'open-world']],
    // Destructive and idempotent mean nothing for a read-only tool, so they are not repeated.
    [{ readOnly: true, destructive: true, idempotent: true }, ['read-only']],
    [{ readOnly: false, destructive: false, openWorld: true }, ['writes', 'additive', 'open-world']],
    [{ readOnly: false, destructive: true, idempotent: true, openWorld: false }, ['writes', 'destructive', 'idempotent', 'closed-world']],
    // Unstated hints stay unstated: no MCP defaults are filled in.
    [{ destructive: true }, ['destructive']],
    [{ idempotent: false }, []],
  ];
  test.each(cases)('%j -> %j', (hints, labels) => {
    expect(hintLabels(hints)).toEqual(labels);
  });
});
