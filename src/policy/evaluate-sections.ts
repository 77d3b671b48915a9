import type { CompiledPolicy, CompiledRule } from './compile.js';
import { argumentsDenial, limitClaims, type AllowDecision, type Decision, type DenyDecision, type ToolDescription } from './evaluate.js';
import type { CompiledSection } from './sections.js';

/** What the engine needs to know about one `resources/read` (or `resources/subscribe`). */
export interface ResourceFacts {
  uri: string;
  grant: string;
  session: string;
}

/** What the engine needs to know about one `prompts/get`. */
export interface PromptFacts {
  name: string;
  /** `params.arguments` as sent (undefined when absent, checked as `{}`). */
  arguments: unknown;
  grant: string;
  session: string;
}

/**
 * Decides one resources/read by its URI: the most specific rule of `resources.rules`, else the
 * section's default. Budgets are the rule's own limits only: top-level `limits` are for tool
 * calls. A limit naming the same `counter` as a tool's shares that budget.
 */
export function evaluateResource(policy: CompiledPolicy, facts: ResourceFacts): Decision {
  return decide(policy, policy.resources, { name: facts.uri, arguments: undefined, grant: facts.grant, session: facts.session });
}

/** Decides one prompts/get by the prompt's name, then its arguments against the rule's `arguments`. */
export function evaluatePrompt(policy: CompiledPolicy, facts: PromptFacts): Decision {
  return decide(policy, policy.prompts, facts);
}

/** Whether resources/list leaves the resource out (and a read of it answers as for an unknown URI). */
export function isResourceHidden(policy: CompiledPolicy, uri: string): boolean {
  return hidden(policy, policy.resources, uri);
}

/**
 * Whether resources/templates/list leaves a template out: the template string itself, read as a
 * URI (`{id}` and the like standing for themselves), is hidden. So a pattern rule that covers the
 * template's expansions (`file:///logs/*` for `file:///logs/{name}`) decides it, and an exact URI
 * allowed under a denied default does not make its template visible: list such a template with a
 * pattern rule, or give it `"hide": false`. Reads are judged URI by URI either way.
 */
export function isTemplateHidden(policy: CompiledPolicy, uriTemplate: string): boolean {
  return hidden(policy, policy.resources, uriTemplate);
}

/** Whether prompts/list leaves the prompt out (and prompts/get of it answers as for an unknown prompt). */
export function isPromptHidden(policy: CompiledPolicy, name: string): boolean {
  return hidden(policy, policy.prompts, name);
}

/**
 * The decision on the name alone, for requests that follow a resource's or a prompt's rule without
 * reading or rendering it (resources/subscribe, completion/complete): a deny, or undefined.
 */
export function denyResourceByName(policy: CompiledPolicy, uri: string): DenyDecision | undefined {
  return denyByName(policy.resources, uri, policy.resources.ruleFor(uri));
}

export function denyPromptByName(policy: CompiledPolicy, name: string): DenyDecision | undefined {
  return denyByName(policy.prompts, name, policy.prompts.ruleFor(name));
}

/** What the policy does with one resource URI or prompt name, for a person reading it. */
export function describeInSection(policy: CompiledPolicy, section: 'resources' | 'prompts', name: string): ToolDescription {
  const compiled = policy[section];
  const rule = compiled.ruleFor(name);
  const denial = denyByName(compiled, name, rule);
  const description: ToolDescription = {
    tool: name,
    rule: rule?.pointer ?? compiled.defaultPointer,
    action: denial !== undefined ? 'deny' : rule?.approval !== undefined ? 'ask' : 'allow',
    hidden: hidden(policy, compiled, name),
    budgets: denial === undefined ? (rule?.limits ?? []).map((limit) => limit.description) : [],
    argumentsChecked: denial === undefined && rule?.checkArguments !== undefined,
    inputSchemaChecked: false,
  };
  if (denial !== undefined) description.reason = denial.reason;
  if (denial === undefined && rule?.timeoutMs !== undefined) description.timeoutMs = rule.timeoutMs;
  if (denial === undefined && rule?.approval !== undefined) description.approval = rule.approval;
  return description;
}

function decide(policy: CompiledPolicy, section: CompiledSection, facts: PromptFacts): Decision {
  const rule = section.ruleFor(facts.name);
  const denial = denyByName(section, facts.name, rule);
  if (denial !== undefined) return denial;
  const argumentsDenied = argumentsDenial(rule, facts.arguments, `${kindOf(section)} ${facts.name}`);
  if (argumentsDenied !== undefined) return argumentsDenied;
  const budgets = limitClaims(policy, rule?.limits ?? [], { tool: facts.name, arguments: facts.arguments, grant: facts.grant, session: facts.session });
  const decision: AllowDecision = { outcome: 'allow', rule: rule?.pointer ?? section.defaultPointer, budgets };
  if (rule?.timeoutMs !== undefined) decision.timeoutMs = rule.timeoutMs;
  if (rule?.approval !== undefined) decision.approval = rule.approval;
  return decision;
}

function denyByName(section: CompiledSection, name: string, rule: CompiledRule | undefined): DenyDecision | undefined {
  const kind = kindOf(section);
  if (rule === undefined) {
    if (section.default === 'allow') return undefined;
    const which = section.defaultPointer === '(default)' ? 'default: deny' : `${section.name}.default: deny`;
    return { outcome: 'deny', rule: section.defaultPointer, cause: 'default', reason: `${kind} ${name} is not allowed by the policy (${which})`, hidden: true };
  }
  if (rule.action !== 'deny') return undefined;
  return { outcome: 'deny', rule: rule.pointer, cause: 'rule', reason: rule.reason ?? `${kind} ${name} is denied by the policy (rule ${JSON.stringify(rule.key)})`, hidden: rule.hide };
}

function hidden(policy: CompiledPolicy, section: CompiledSection, name: string): boolean {
  if (policy.mode === 'monitor') return false;
  return denyByName(section, name, section.ruleFor(name))?.hidden ?? false;
}

function kindOf(section: CompiledSection): 'resource' | 'prompt' {
  return section.name === 'resources' ? 'resource' : 'prompt';
}
