import { join } from 'node:path';
import { PolicyWrapError } from '../../../src/errors.js';
import { checkedStateSpec } from '../../../src/cli/state-option.js';

const env = { HOME: '/home/someone' };

describe('checkedStateSpec', () => {
  test.each([
    ['memory', 'memory'],
    ['redis://cache:6379/2', 'redis://cache:6379/2'],
    ['rediss://cache', 'rediss://cache'],
    ['./counters', './counters'],
    ['/var/lib/counters', '/var/lib/counters'],
    ['counters.sqlite', 'counters.sqlite'],
    ['counters.db', 'counters.db'],
    ['~/counters', join('/home/someone', 'counters')],
    // other schemes pass through: src/limits reports them with the URL shown
    ['ftp://x', 'ftp://x'],
  ])('%s is accepted', (spec, expected) => {
    expect(checkedStateSpec(spec, env)).toBe(expected);
  });

  test('neither --state nor POLICY_WRAP_STATE: the default (undefined)', () => {
    expect(checkedStateSpec(undefined, {})).toBeUndefined();
    expect(checkedStateSpec(undefined, { POLICY_WRAP_STATE: '' })).toBeUndefined();
  });

  test('POLICY_WRAP_STATE is checked and expanded the same way', () => {
    expect(checkedStateSpec(undefined, { ...env, POLICY_WRAP_STATE: '~/c.sqlite' })).toBe(join('/home/someone', 'c.sqlite'));
    expect(() => checkedStateSpec(undefined, { POLICY_WRAP_STATE: 'memroy' })).toThrow(/POLICY_WRAP_STATE="memroy".*did you mean "memory"/);
  });

  test.each([
    ['memry', /--state "memry" .*did you mean "memory"\?.*\.\/memry/],
    ['Memory', /did you mean "memory"/],
    ['counters', /--state "counters" .*for a file, write \.\/counters or counters\.sqlite/],
    ['', /--state "" is not memory/],
  ])('%j is state.invalid-spec, exit 2', (spec, message) => {
    let thrown: unknown;
    try {
      checkedStateSpec(spec, env);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PolicyWrapError);
    expect(thrown).toMatchObject({ code: 'state.invalid-spec', exitCode: 2 });
    expect((thrown as Error).message).toMatch(message);
  });
});
