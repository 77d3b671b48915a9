import type { CompiledLimit, CompiledPolicy, CompiledRule } from './compile.js';
import type { Finding } from './findings.js';
import { lintSections } from './lint-sections.js';
import { covers, enumerateGlob } from './glob.js';
import { matchesEmpty } from './redaction.js';

/** Finite patterns with at most this many names are checked name by name for being shadowed. */
const enumerationLimit = 1000;

/**
 * Checks beyond the schema: things that are valid but almost certainly not what the author
 * meant. Every finding is a warning.
 */
export function lintPolicy(policy: CompiledPolicy): Finding[] {
  return [
    ...allowEverything(policy),
    ...policy.rules.flatMap((rule) => ruleFindings(policy, rule)),
    ...[...allowedLimits(policy)].flatMap((limit) => maxZero(limit)),
    ...counterMismatches(policy),
    ...lintSections(policy),
    ...policy.rules.flatMap((rule) => emptyRedactPatterns(policy, rule)),
    ...serverRequestFindings(policy),
    ...limitsTwice(policy),
    ...policy.rules.flatMap((rule) => hiddenRule(policy, rule)),
  ];
}

/** `limits` and PolicyLayer's `all_tools.limits` together: both apply to every call, so they add up. */
function limitsTwice(policy: CompiledPolicy): Finding[] {
  const { limits } = policy.document;
  const allTools = policy.document.all_tools?.limits;
  if (!Array.isArray(limits) || limits.length === 0 || !Array.isArray(allTools) || allTools.length === 0) return [];
  return [
    {
      pointer: '/all_tools/limits',
      part: 'key',
      code: 'lint.limits-twice',
      message: '"all_tools.limits" and "limits" mean the same and both apply to every call, so they add up (a call must fit both); keep them in one place',
    },
  ];
}

/** A rule whose every tool is in `hide`: hidden and denied, so the rule never decides a call. */
function hiddenRule(policy: CompiledPolicy, rule: CompiledRule): Finding[] {
  const entry = policy.hidden.find((hidden) => (rule.glob.exact !== undefined ? policy.hiddenBy(rule.glob.exact) === hidden : covers(hidden.glob, rule.glob)));
  if (entry === undefined) return [];
  return [
    {
      pointer: rule.pointer,
      part: 'key',
      code: 'lint.hidden-rule',
      message: `every tool this rule matches is in "hide" (${JSON.stringify(entry.pattern)} at ${entry.pointer}), so it is hidden and denied and this rule never applies`,
    },
  ];
}

function allowEverything(policy: CompiledPolicy): Finding[] {
  if (policy.default !== 'allow' || policy.rules.length > 0 || policy.limits.length > 0 || policy.hidden.length > 0 || policy.inputSchema === 'enforce') return [];
  return [{ pointer: '/default', part: 'value', code: 'lint.allow-everything', message: 'the policy allows every call of every tool and limits nothing' }];
}

function ruleFindings(policy: CompiledPolicy, rule: CompiledRule): Finding[] {
  const findings: Finding[] = [];
  const document = policy.document.tools?.[rule.key] ?? {};
  if (rule.action === 'deny') {
    if (rule.limits.length > 0) {
      findings.push({ pointer: `${rule.pointer}/limits`, part: 'key', code: 'lint.deny-with-limits', message: 'this rule denies every call, so its limits never apply' });
    }
    for (const field of ['arguments', 'timeout', 'redact'] as const) {
      if (document[field] !== undefined) {
        findings.push({ pointer: `${rule.pointer}/${field}`, part: 'key', code: 'lint.ignored-field', message: `this rule denies every call, so "${field}" never applies` });
      }
    }
  } else {
    const asks = rule.action === 'ask';
    if (document.hide !== undefined) {
      findings.push({
        pointer: `${rule.pointer}/hide`,
        part: 'key',
        code: 'lint.ignored-field',
        message: asks
          ? '"hide" only applies to denied tools; this rule asks a person about each call, so its tools stay listed'
          : '"hide" only applies to denied tools; this rule allows its tools',
      });
    }
    const reasonField = document.reason !== undefined ? 'reason' : document.on_deny !== undefined ? 'on_deny' : undefined;
    if (reasonField !== undefined && rule.checkArguments === undefined) {
      findings.push({
        pointer: `${rule.pointer}/${reasonField}`,
        part: 'key',
        code: 'lint.ignored-field',
        message: asks
          ? `"${reasonField}" is shown when this rule denies a call, and this rule denies none (it has no "arguments" check; a call a person does not approve is refused with its own words)`
          : `"${reasonField}" is shown when this rule denies a call, and this rule allows every call (it has no "arguments" check)`,
      });
    }
    if (asks) findings.push(...askFindings(policy, rule));
  }
  const shadow = shadowedBy(policy, rule);
  if (shadow !== undefined) findings.push({ pointer: rule.pointer, part: 'key', code: 'lint.unreachable-pattern', message: shadow });
  return findings;
}

/** An `ask` rule under monitor mode, where nobody is asked, and an approval remembered for less time than a call gets. */
function askFindings(policy: CompiledPolicy, rule: CompiledRule): Finding[] {
  const approval = policy.document.tools?.[rule.key]?.approval;
  if (policy.mode === 'monitor') {
    const findings: Finding[] = [
      {
        pointer: `${rule.pointer}/action`,
        part: 'value',
        code: 'lint.ask-in-monitor',
        message: '"mode" is "monitor", which blocks nothing, so nobody is asked: calls of this rule are forwarded without approval; remove "mode" (or set it to "enforce") to ask',
      },
    ];
    if (approval !== undefined) {
      findings.push({ pointer: `${rule.pointer}/approval`, part: 'key', code: 'lint.ignored-field', message: 'in monitor mode nobody is asked, so "approval" never applies' });
    }
    return findings;
  }
  const remember = rule.approval?.remember;
  if (remember?.kind !== 'for' || rule.approval === undefined || remember.ms >= rule.approval.timeoutMs) return [];
  return [
    {
      pointer: `${rule.pointer}/approval/remember`,
      part: 'value',
      code: 'lint.remember-too-short',
      message:
        `an approval remembered for ${remember.ms / 1000} s lasts less than one for "call", which the agent can use for the approval timeout ` +
        `(${rule.approval.timeoutMs / 1000} s) after a person approves from a terminal; remember it for at least ${rule.approval.timeoutMs / 1000} s, or write "call"`,
    },
  ];
}

/**
 * Why a pattern can never decide a call, when that is provable: a more specific pattern matches
 * every name it matches, or it matches a short list of names that all have more specific rules.
 */
function shadowedBy(policy: CompiledPolicy, rule: CompiledRule): string | undefined {
  if (rule.glob.exact !== undefined) return undefined;
  const rank = policy.rules.indexOf(rule);
  const wider = policy.rules.slice(0, rank).find((other) => other.glob.exact === undefined && covers(other.glob, rule.glob));
  if (wider !== undefined) {
    return `pattern ${JSON.stringify(rule.key)} never decides a call: every name it matches is decided first by ${JSON.stringify(wider.key)}, which ranks before it`;
  }
  const names = enumerateGlob(rule.glob, enumerationLimit);
  if (names === undefined || names.some((name) => policy.ruleFor(name) === rule)) return undefined;
  const deciders = [...new Set(names.map((name) => policy.ruleFor(name)?.key ?? ''))].map((key) => JSON.stringify(key));
  return `pattern ${JSON.stringify(rule.key)} never decides a call: every name it matches has a more specific rule (${deciders.join(', ')})`;
}

/** Limits that can count something: the top-level ones and those of allowing and asking rules. */
function* allowedLimits(policy: CompiledPolicy): Generator<CompiledLimit> {
  yield* policy.limits;
  for (const rule of policy.rules) if (rule.action !== 'deny') yield* rule.limits;
}

function maxZero(limit: CompiledLimit): Finding[] {
  if (limit.max !== 0) return [];
  return [
    {
      pointer: `${limit.pointer}/max`,
      part: 'value',
      code: 'lint.max-zero',
      message: `"max": 0 admits no call at all; to deny, write "action": "deny" (it also hides the tool and tells the agent why)`,
    },
  ];
}

/** Named counters whose limits differ in window, scope or per: those are counted separately. */
function counterMismatches(policy: CompiledPolicy): Finding[] {
  const first = new Map<string, CompiledLimit>();
  const findings: Finding[] = [];
  const limits = [...allowedLimits(policy)].filter((limit) => limit.counter !== limit.pointer);
  for (const limit of limits) {
    const earlier = first.get(limit.counter);
    if (earlier === undefined) {
      first.set(limit.counter, limit);
      continue;
    }
    const differences = [
      earlier.windowMs !== limit.windowMs ? 'window' : undefined,
      earlier.scope !== limit.scope ? 'scope' : undefined,
      earlier.per?.join('.') !== limit.per?.join('.') ? 'per' : undefined,
    ].filter((difference) => difference !== undefined);
    if (differences.length === 0) continue;
    findings.push({
      pointer: `${limit.pointer}/counter`,
      part: 'value',
      code: 'lint.counter-mismatch',
      message: `counter ${JSON.stringify(limit.counter)} is also used at ${earlier.pointer} with a different ${differences.join(', ')}; limits share a budget only when window, scope and per are the same, so these are counted separately`,
    });
  }
  return findings;
}

/** A `redact` pattern that matches the empty string: it replaces nothing where it matches nothing else. */
function emptyRedactPatterns(policy: CompiledPolicy, rule: CompiledRule): Finding[] {
  const redact = policy.document.tools?.[rule.key]?.redact;
  if (!Array.isArray(redact) || rule.action === 'deny') return [];
  return redact.flatMap((entry, index): Finding[] =>
    'pattern' in entry && typeof entry.pattern === 'string' && matchesEmpty(entry.pattern)
      ? [
          {
            pointer: `${rule.pointer}/redact/${index}/pattern`,
            part: 'value',
            code: 'lint.redact-matches-empty',
            message: `pattern ${JSON.stringify(entry.pattern)} matches the empty string; empty matches are not replaced, so it redacts only what it matches with at least one character (write + instead of *?)`,
          },
        ]
      : [],
  );
}

/** `server_requests` rules whose limits or reason never apply. */
function serverRequestFindings(policy: CompiledPolicy): Finding[] {
  const findings: Finding[] = [];
  for (const rule of Object.values(policy.serverRequests)) {
    if (rule.action === 'deny' && rule.limits.length > 0) {
      findings.push({ pointer: `${rule.pointer}/limits`, part: 'key', code: 'lint.deny-with-limits', message: 'this rule refuses every request, so its limits never apply' });
    }
    if (rule.action === 'allow' && rule.reason !== undefined) {
      findings.push({ pointer: `${rule.pointer}/reason`, part: 'key', code: 'lint.ignored-field', message: '"reason" is told to the server when this rule denies a request, and this rule allows them (a request over a limit is told which limit)' });
    }
  }
  return findings;
}
