import { loadPolicyText, type Problem } from '../../../src/policy/index.js';

type Located = [code: string, line: number, column: number, message: string];

function warnings(text: string): Located[] {
  const result = loadPolicyText(text, 'ask.json');
  if (!result.ok) throw new Error(result.problems.map((problem) => `${problem.code}: ${problem.message}`).join('\n'));
  return result.warnings.map((warning: Problem) => [warning.code, warning.line, warning.column, warning.message]);
}

describe('lint: ask rules', () => {
  test('a plain ask rule, with limits, arguments, timeout and approval, is clean', () => {
    const text = `{
  "version": "1",
  "default": "deny",
  "tools": {
    "delete_playlist": {
      "action": "ask",
      "approval": { "timeout": 60, "remember": 600 },
      "reason": "only playlists you made",
      "arguments": { "type": "object", "required": ["id"] },
      "limits": [{ "window": "hour", "max": 5 }],
      "timeout": 30
    }
  }
}`;
    expect(warnings(text)).toEqual([]);
  });

  test('ask under mode "monitor": lint.ask-in-monitor at the action, and approval ignored', () => {
    const text = `{
  "version": "1",
  "default": "deny",
  "mode": "monitor",
  "tools": {
    "a": { "action": "ask" },
    "b": { "action": "ask", "approval": { "remember": "session" } }
  }
}`;
    const message =
      '"mode" is "monitor", which blocks nothing, so nobody is asked: calls of this rule are forwarded without approval; remove "mode" (or set it to "enforce") to ask';
    expect(warnings(text)).toEqual([
      ['lint.ask-in-monitor', 6, 22, message],
      ['lint.ask-in-monitor', 7, 22, message],
      ['lint.ignored-field', 7, 29, 'in monitor mode nobody is asked, so "approval" never applies'],
    ]);
  });

  test('"hide" on an ask rule: only a denied tool can be hidden', () => {
    const text = `{
  "version": "1",
  "default": "deny",
  "tools": {
    "a": { "action": "ask", "hide": true }
  }
}`;
    expect(warnings(text)).toEqual([['lint.ignored-field', 5, 29, '"hide" only applies to denied tools; this rule asks a person about each call, so its tools stay listed']]);
  });

  test('"reason" on an ask rule without an arguments check is never shown', () => {
    const text = `{
  "version": "1",
  "default": "deny",
  "tools": {
    "a": { "action": "ask", "on_deny": "think twice" }
  }
}`;
    expect(warnings(text)).toEqual([
      [
        'lint.ignored-field',
        5,
        29,
        '"on_deny" is shown when this rule denies a call, and this rule denies none (it has no "arguments" check; a call a person does not approve is refused with its own words)',
      ],
    ]);
  });

  test('an approval remembered for less than the approval timeout: lint.remember-too-short at the value', () => {
    const text = `{
  "version": "1",
  "default": "deny",
  "tools": {
    "a": { "action": "ask", "approval": { "remember": 30 } },
    "b": { "action": "ask", "approval": { "timeout": 20, "remember": 20 } },
    "c": { "action": "ask", "approval": { "timeout": 60, "remember": 59 } }
  }
}`;
    expect(warnings(text)).toEqual([
      [
        'lint.remember-too-short',
        5,
        55,
        'an approval remembered for 30 s lasts less than one for "call", which the agent can use for the approval timeout (120 s) after a person approves from a terminal; remember it for at least 120 s, or write "call"',
      ],
      ['lint.remember-too-short', 7, 70, expect.stringMatching(/^an approval remembered for 59 s .* \(60 s\) .* at least 60 s, or write "call"$/)],
    ]);
  });

  test('limits of an ask rule count: max 0 and counter mismatches are reported as for allowed rules', () => {
    const text = `{
  "version": "1",
  "default": "deny",
  "tools": {
    "a": { "action": "ask", "limits": [{ "counter": "writes", "window": "hour", "max": 0 }] },
    "b": { "limits": [{ "counter": "writes", "window": "day", "max": 5 }] }
  }
}`;
    expect(warnings(text).map(([code, line, column]) => [code, line, column])).toEqual([
      ['lint.max-zero', 5, 88],
      ['lint.counter-mismatch', 6, 36],
    ]);
  });

  test('a pattern that asks is checked for being shadowed like any other', () => {
    const text = `{
  "version": "1",
  "default": "deny",
  "tools": {
    "sonarr_a": { "action": "deny" },
    "sonarr_b": {},
    "sonarr_[ab]": { "action": "ask" }
  }
}`;
    expect(warnings(text)).toEqual([
      ['lint.unreachable-pattern', 7, 5, 'pattern "sonarr_[ab]" never decides a call: every name it matches has a more specific rule ("sonarr_a", "sonarr_b")'],
    ]);
  });
});
