import type { AdvertisedTool } from './advertised.js';
import type { CompiledPolicy, CompiledRule } from './compile.js';
import type { Finding } from './findings.js';
import { matchGlob } from './glob.js';
import { pointerOf } from './pointer.js';
import { didYouMean } from './suggest.js';
import { isObject } from '../shared/values.js';

/**
 * What only the server can tell about a policy, given its tools/list: rules that match no tool,
 * tools left to `default: allow`, argument schemas naming properties a tool does not have.
 * Every finding is a warning: the server's list can change.
 */
export function lintAgainstServer(policy: CompiledPolicy, tools: readonly AdvertisedTool[]): Finding[] {
  const names = tools.map((tool) => tool.name);
  const findings: Finding[] = [];
  for (const rule of policy.rules) {
    const matched = names.filter((name) => matchGlob(rule.glob, name));
    if (matched.length === 0) {
      const message =
        rule.glob.exact !== undefined
          ? `the server has no tool named ${JSON.stringify(rule.key)}${didYouMean(rule.key, names)}`
          : `pattern ${JSON.stringify(rule.key)} matches none of the server's ${names.length} tools`;
      findings.push({ pointer: rule.pointer, part: 'key', code: 'lint.no-such-tool', message });
      continue;
    }
    const decided = tools.filter((tool) => policy.ruleFor(tool.name) === rule);
    if (decided.length === 0) {
      findings.push({
        pointer: rule.pointer,
        part: 'key',
        code: 'lint.unreachable-pattern',
        message: `pattern ${JSON.stringify(rule.key)} decides none of the server's tools: each one it matches (${matched.join(', ')}) has a more specific rule`,
      });
    }
    findings.push(...unknownArguments(rule, decided));
  }
  if (policy.default === 'allow') {
    for (const name of names) {
      if (policy.ruleFor(name) !== undefined) continue;
      findings.push({
        pointer: '/default',
        part: 'value',
        code: 'lint.unmentioned-tool',
        message: `the server's tool ${JSON.stringify(name)} has no rule, so "default": "allow" lets every call of it through`,
      });
    }
  }
  return findings;
}

/** Properties the rule's arguments schema names (properties, required) that a decided tool does not advertise. */
function unknownArguments(rule: CompiledRule, decided: readonly AdvertisedTool[]): Finding[] {
  const schema = argumentsSchemaOf(rule);
  if (schema === undefined) return [];
  const declared = Object.keys(isObject(schema.properties) ? schema.properties : {});
  const required: unknown[] = Array.isArray(schema.required) ? schema.required : [];
  const findings: Finding[] = [];
  for (const property of new Set([...declared, ...required.filter((name): name is string => typeof name === 'string')])) {
    const lacking = decided.filter((tool) => {
      const advertised = advertisedProperties(tool);
      return advertised !== undefined && !advertised.includes(property);
    });
    if (lacking.length === 0) continue;
    const known = lacking.length === 1 ? (advertisedProperties(lacking[0] as AdvertisedTool) ?? []) : [];
    findings.push({
      pointer: declared.includes(property)
        ? `${rule.pointer}/arguments/properties${pointerOf(property)}`
        : `${rule.pointer}/arguments/required${pointerOf(required.indexOf(property))}`,
      part: declared.includes(property) ? 'key' : 'value',
      code: 'lint.unknown-argument',
      message: `${JSON.stringify(property)} is not in the inputSchema of ${lacking.map((tool) => tool.name).join(', ')}${didYouMean(property, known)}`,
    });
  }
  return findings;
}

/** The properties a tool advertises, or undefined when its inputSchema does not list them. */
function advertisedProperties(tool: AdvertisedTool): string[] | undefined {
  const schema = tool.inputSchema;
  if (!isObject(schema)) return undefined;
  return isObject(schema.properties) ? Object.keys(schema.properties) : schema.type === 'object' ? [] : undefined;
}

function argumentsSchemaOf(rule: CompiledRule): Record<string, unknown> | undefined {
  return isObject(rule.argumentsSchema) ? rule.argumentsSchema : undefined;
}

