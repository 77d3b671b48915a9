import type { CompiledPolicy, CompiledRule } from './compile.js';
import type { Finding } from './findings.js';
import type { CompiledSection } from './sections.js';

/**
 * Warnings about `resources` and `prompts`, in the style of the tool rules' (lint.ts): fields a
 * rule never uses, and resource patterns that can never match a URI.
 */
export function lintSections(policy: CompiledPolicy): Finding[] {
  return [policy.resources, policy.prompts].flatMap((section) => section.rules.flatMap((rule) => ruleFindings(policy, section, rule)));
}

function ruleFindings(policy: CompiledPolicy, section: CompiledSection, rule: CompiledRule): Finding[] {
  const findings: Finding[] = [];
  const written = (policy.document[section.name]?.rules?.[rule.key] ?? {}) as Record<string, unknown>;
  const what = section.name === 'resources' ? 'read' : 'request';
  if (rule.action === 'deny') {
    if (rule.limits.length > 0) {
      findings.push({ pointer: `${rule.pointer}/limits`, part: 'key', code: 'lint.deny-with-limits', message: `this rule denies every ${what}, so its limits never apply` });
    }
    for (const field of ['arguments', 'timeout'] as const) {
      if (written[field] !== undefined) findings.push({ pointer: `${rule.pointer}/${field}`, part: 'key', code: 'lint.ignored-field', message: `this rule denies every ${what}, so "${field}" never applies` });
    }
  } else {
    if (written.hide !== undefined) {
      findings.push({ pointer: `${rule.pointer}/hide`, part: 'key', code: 'lint.ignored-field', message: `"hide" only applies to a denying rule; this rule ${rule.action === 'ask' ? 'asks a person' : 'allows'}, so its ${section.name} stay listed` });
    }
    const reasonField = written.reason !== undefined ? 'reason' : written.on_deny !== undefined ? 'on_deny' : undefined;
    if (reasonField !== undefined && rule.checkArguments === undefined) {
      findings.push({ pointer: `${rule.pointer}/${reasonField}`, part: 'key', code: 'lint.ignored-field', message: `"${reasonField}" is shown when this rule denies, and this rule denies nothing (it has no "arguments" check)` });
    }
    if (rule.action === 'ask' && policy.mode === 'monitor') {
      findings.push({ pointer: `${rule.pointer}/action`, part: 'value', code: 'lint.ask-in-monitor', message: '"mode" is "monitor", which blocks nothing, so nobody is asked: requests of this rule are forwarded without approval' });
    }
  }
  if (section.name === 'resources') findings.push(...notAUri(rule));
  return findings;
}

/**
 * A URI starts with a scheme (a letter, then letters, digits, +, - or .) and a colon: a pattern
 * that starts otherwise, or can produce no colon, matches no URI a server lists or a client reads.
 */
function notAUri(rule: CompiledRule): Finding[] {
  const tokens = rule.glob.tokens;
  const first = tokens[0];
  const startsBadly = first?.kind === 'literal' && !/^[A-Za-z]$/.test(first.char);
  const colon = tokens.some((token) => token.kind !== 'literal' || token.char === ':');
  if (!startsBadly && colon) return [];
  const why = startsBadly ? `it starts with ${JSON.stringify(first.char)}, not a scheme's letter` : 'it has no ":" after a scheme';
  return [
    {
      pointer: rule.pointer,
      part: 'key',
      code: 'lint.not-a-uri',
      message: `pattern ${JSON.stringify(rule.key)} never matches a resource URI: ${why}; write the URI whole, like "file:///srv/docs/*"`,
    },
  ];
}
