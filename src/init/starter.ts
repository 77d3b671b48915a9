import { policySchemaId } from '../policy/schema.js';
import type { LimitRule, PolicyDocument, ToolRule } from '../policy/types.js';
import { literalKey } from '../policy/glob.js';
import { classifyTool, type ToolHints, type ToolKind } from './classify.js';

/** The part of a tools/list entry a starter policy looks at. */
export interface ListedTool {
  name: string;
  annotations?: ToolHints;
}

export interface StarterPolicy {
  document: PolicyDocument;
  /** How many tools got each kind of rule. */
  kinds: Record<ToolKind, number>;
  /** One line per tool that needed special handling (skipped, renamed key), for the person running init. */
  notes: string[];
}

const CONTAINED_LIMIT: LimitRule = { window: 'minute', max: 10 };
/**
 * Every allowed tool gets a timeout: a server that hangs on a backend that never answers (the Plex
 * MCP Server has no timeout of its own) would otherwise hold the agent's call forever. A minute is
 * longer than any ordinary call and short enough that a hung one is noticed.
 */
export const STARTER_TIMEOUT_SECONDS = 60;
const HINTS_ARE_CLAIMS = 'Annotations are hints from the server, not verified by policy-wrap.';
const HOW_TO_ALLOW = 'To allow it, check what it does, then set action to allow and add limits.';

// Allowing rules carry no reason: a reason is only shown when a rule denies a call.
const RULES: Record<ToolKind, () => ToolRule> = {
  'read-only': () => ({ action: 'allow', timeout: STARTER_TIMEOUT_SECONDS }),
  destructive: () => ({
    action: 'deny',
    reason:
      'Denied by the starter policy: the server does not mark this tool read-only and does not rule out that it ' +
      `deletes or overwrites data. ${HINTS_ARE_CLAIMS} ${HOW_TO_ALLOW}`,
    hide: false,
  }),
  'open-world': () => ({
    action: 'deny',
    reason:
      'Denied by the starter policy: the server does not mark this tool read-only and does not rule out that it ' +
      `acts on systems outside the server. ${HINTS_ARE_CLAIMS} ${HOW_TO_ALLOW}`,
    hide: false,
  }),
  contained: () => ({ action: 'allow', limits: [{ ...CONTAINED_LIMIT }], timeout: STARTER_TIMEOUT_SECONDS }),
};

/**
 * Builds a starter policy from a server's tools: deny by default, every call checked against the
 * schema the server advertises, read-only tools allowed, destructive and open-world tools listed
 * as denied (and left visible, so the agent can say why it cannot use them), other tools allowed
 * under a rate limit; every allowed tool with a timeout. Tools are sorted by name so the
 * same tools always give the same file.
 */
export function starterPolicy(tools: readonly ListedTool[]): StarterPolicy {
  const kinds: Record<ToolKind, number> = { 'read-only': 0, destructive: 0, 'open-world': 0, contained: 0 };
  const notes: string[] = [];
  const rules = new Map<string, ToolRule>();

  for (const tool of tools) {
    if (tool.name === '') {
      notes.push('skipped a tool with an empty name');
      continue;
    }
    if (rules.has(tool.name)) {
      notes.push(`${tool.name}: listed more than once; the first entry was used`);
      continue;
    }
    const key = literalKey(tool.name);
    if (key !== tool.name) notes.push(`${tool.name}: written as ${JSON.stringify(key)} so it is not read as a pattern`);
    const kind = classifyTool(tool.annotations);
    kinds[kind] += 1;
    rules.set(tool.name, RULES[kind]());
  }

  const sorted = [...rules.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, rule]) => [literalKey(name), rule] as const);
  const document: PolicyDocument = {
    $schema: policySchemaId,
    version: '1',
    default: 'deny',
    input_schema: 'enforce',
    tools: Object.fromEntries(sorted),
  };
  return { document, kinds, notes };
}
