/**
 * Interim policy gate: plain allow/deny per exact tool name, until the policy engine in src/policy
 * replaces it. Anything it cannot enforce (limits, argument schemas, timeouts, patterns) makes the
 * policy invalid rather than silently unenforced.
 */
import { readFileSync } from 'node:fs';
import { findNodeAtLocation, parseTree, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { PolicyWrapError } from '../errors.js';
import type { Gate } from '../proxy/gate.js';

interface Rule {
  allowed: boolean;
  reason: string | undefined;
  hide: boolean;
}

const TOP_LEVEL_KEYS = new Set(['$schema', 'version', 'default', 'tools']);
const RULE_KEYS = new Set(['action', 'reason', 'on_deny', 'hide']);

export function loadSimplePolicyGate(file: string): Gate {
  const text = readPolicyText(file);
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const syntax = errors[0];
  if (syntax || !root) {
    const where = syntax ? `:${position(text, syntax.offset)}` : '';
    const what = syntax ? printParseErrorCode(syntax.error) : 'empty file';
    throw new PolicyWrapError('policy.syntax', `${file}${where}: not valid JSON (${what})`, { exitCode: 2 });
  }
  const invalid = (path: (string | number)[], message: string): PolicyWrapError => {
    const node = findNodeAtLocation(root, path) ?? root;
    return new PolicyWrapError('policy.invalid', `${file}:${position(text, node.offset)}: ${message}`, { exitCode: 2 });
  };
  return compile(JSON.parse(text) as unknown, invalid);
}

function compile(document: unknown, invalid: (path: (string | number)[], message: string) => PolicyWrapError): Gate {
  if (!isRecord(document)) throw invalid([], 'the policy must be a JSON object');
  for (const key of Object.keys(document)) {
    if (!TOP_LEVEL_KEYS.has(key)) throw invalid([key], `"${key}" is not supported by this policy-wrap build (allowed: version, default, tools)`);
  }
  if (document.version !== '1') throw invalid(['version'], '"version" must be "1"');
  if (document.default !== 'allow' && document.default !== 'deny') throw invalid(['default'], '"default" must be "allow" or "deny"');
  const tools = document.tools ?? {};
  if (!isRecord(tools)) throw invalid(['tools'], '"tools" must be an object of tool names');
  const rules = new Map<string, Rule>();
  for (const [name, rule] of Object.entries(tools)) {
    if (/[*?[\]{}]/.test(name)) throw invalid(['tools', name], `tool "${name}": patterns are not supported by this build; name tools exactly`);
    if (!isRecord(rule)) throw invalid(['tools', name], `tool "${name}": the rule must be an object`);
    for (const key of Object.keys(rule)) {
      if (!RULE_KEYS.has(key)) throw invalid(['tools', name, key], `tool "${name}": "${key}" is not supported by this build`);
    }
    if (rule.action !== undefined && rule.action !== 'allow' && rule.action !== 'deny') {
      throw invalid(['tools', name, 'action'], `tool "${name}": "action" must be "allow" or "deny"`);
    }
    const reason = rule.reason ?? rule.on_deny;
    if (reason !== undefined && typeof reason !== 'string') throw invalid(['tools', name], `tool "${name}": the reason must be a string`);
    if (rule.hide !== undefined && typeof rule.hide !== 'boolean') throw invalid(['tools', name, 'hide'], `tool "${name}": "hide" must be true or false`);
    rules.set(name, { allowed: rule.action !== 'deny', reason, hide: rule.hide !== false });
  }
  const fallback: Rule = { allowed: document.default === 'allow', reason: undefined, hide: true };
  const ruleFor = (name: string): Rule => rules.get(name) ?? fallback;
  return {
    checkCall: (call) => {
      const rule = ruleFor(call.name);
      if (rule.allowed) return { kind: 'forward' };
      const why = rule.reason ? `: ${rule.reason}` : '';
      return {
        kind: 'answer',
        answer: { result: { content: [{ type: 'text', text: `Denied by policy: the tool "${call.name}" is not allowed${why}` }], isError: true } },
      };
    },
    filterToolsList: (result) => {
      if (!Array.isArray(result.tools)) return result;
      const visible = result.tools.filter((tool: unknown) => {
        const name = isRecord(tool) && typeof tool.name === 'string' ? tool.name : undefined;
        if (name === undefined) return false;
        const rule = ruleFor(name);
        return rule.allowed || !rule.hide;
      });
      return { ...result, tools: visible };
    },
  };
}

function readPolicyText(file: string): string {
  try {
    return readFileSync(file, 'utf8').replace(/^\uFEFF/, ' ');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? String(error)})`;
    throw new PolicyWrapError('policy.missing', `${file}: ${what}; pass --policy <file> or set POLICY_WRAP_POLICY`, { exitCode: 2 });
  }
}

function position(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i += 1) {
    if (text.charCodeAt(i) === 0x0a) {
      line += 1;
      lineStart = i + 1;
    }
  }
  return `${line}:${offset - lineStart + 1}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
