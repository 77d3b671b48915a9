import type { RE2JS } from 're2js';
import { re2js } from './re2.js';
import type { RedactDetector, RedactEntry } from './types.js';

/** What a match becomes when `replace` is not given. */
export const defaultReplacement = '[redacted]';

/** Member names whose values `secret-members` replaces: the name contains one of these (any case). */
const secretName = '(?:token|secret|password|passwd|api[_-]?key)';

/**
 * A tool rule's `redact`, compiled once: every pattern and detector as RE2 programs (linear time,
 * whatever the text), and whether member names are looked at. Applying it is pure.
 */
export interface Redaction {
  readonly steps: readonly RedactStep[];
  /** `secret-members` is one of the entries: members are judged by name in structured values. */
  readonly secretMembers: string | undefined;
}

interface RedactStep {
  readonly program: RE2JS;
  readonly replace: string;
  /** The group that is replaced; 0 for the whole match. */
  readonly group: number;
}

/** A `redact` entry that does not compile, or says both or neither of pattern and detector. */
export interface RedactionIssue {
  /** "/0/pattern", relative to the `redact` array */
  at: string;
  code: 'policy.bad-pattern' | 'policy.conflicting-fields';
  message: string;
}

/**
 * Detectors as text patterns. Each replaces its group 1 when it has one. `secret-members` also
 * walks structured values by member name (see redactValue).
 */
const detectorPatterns: Record<RedactDetector, readonly string[]> = {
  // "name": "value" (JSON in any text), and name: value / name=value of at least 8 token characters.
  'secret-members': [
    `(?i)"[^"\\\\]*${secretName}[^"\\\\]*"\\s*:\\s*"((?:[^"\\\\]|\\\\.)*)"`,
    `(?i)\\b[\\w.-]*${secretName}[\\w.-]*['"]?\\s*[:=]\\s*['"]?([A-Za-z0-9._~+/=-]{8,})`,
  ],
  // From BEGIN to END, or to the end of the text when the block is cut short.
  'pem-private-keys': ['-----BEGIN[A-Z0-9 ]*PRIVATE KEY-----(?:(?s:.*?)-----END[A-Z0-9 ]*PRIVATE KEY-----|(?s:.*))'],
  'bearer-tokens': ['(?i)\\bbearer\\s+([A-Za-z0-9._~+/=-]+)'],
};

/** Compiles `redact`; issues for entries that are not valid. */
export function compileRedaction(entries: readonly RedactEntry[]): { redaction: Redaction } | { issues: RedactionIssue[] } {
  const steps: RedactStep[] = [];
  const issues: RedactionIssue[] = [];
  let secretMembers: string | undefined;
  entries.forEach((entry, index) => {
    const replace = typeof entry.replace === 'string' ? entry.replace : defaultReplacement;
    const hasPattern = 'pattern' in entry && entry.pattern !== undefined;
    const hasDetector = 'detector' in entry && entry.detector !== undefined;
    if (hasPattern === hasDetector) {
      issues.push({
        at: `/${index}${hasPattern ? '/detector' : ''}`,
        code: 'policy.conflicting-fields',
        message: hasPattern ? 'give "pattern" or "detector", not both' : 'a redact entry needs "pattern" (RE2 syntax) or "detector"',
      });
      return;
    }
    if (hasDetector) {
      const detector = (entry as { detector: RedactDetector }).detector;
      const patterns = detectorPatterns[detector];
      if (patterns === undefined) return; // the schema reports it
      if (detector === 'secret-members') secretMembers = replace;
      for (const pattern of patterns) steps.push(step(re2js().RE2JS.compile(pattern), replace));
      return;
    }
    const pattern = (entry as { pattern: string }).pattern;
    if (typeof pattern !== 'string') return;
    const { RE2JS, RE2JSException } = re2js();
    try {
      steps.push({ program: RE2JS.compile(pattern), replace, group: 0 });
    } catch (error) {
      if (!(error instanceof RE2JSException)) throw error;
      issues.push({ at: `/${index}/pattern`, code: 'policy.bad-pattern', message: `bad pattern ${JSON.stringify(pattern)} (RE2 syntax): ${error.message.replace(/^error parsing regexp: /, '')}` });
    }
  });
  return issues.length > 0 ? { issues } : { redaction: { steps, secretMembers } };
}

function step(program: RE2JS, replace: string): RedactStep {
  return { program, replace, group: program.groupCount() >= 1 ? 1 : 0 };
}

/** Whether a pattern of `redact` matches the empty string (it would insert its replacement everywhere). */
export function matchesEmpty(pattern: string): boolean {
  try {
    return re2js().RE2JS.compile(pattern).matcher('').find();
  } catch {
    return false;
  }
}

/** One string, redacted, and how many replacements were made. */
export function redactText(redaction: Redaction, text: string): { text: string; replaced: number } {
  let replaced = 0;
  for (const { program, replace, group } of redaction.steps) {
    const matcher = program.matcher(text);
    let out = '';
    let from = 0;
    while (matcher.find()) {
      const start = matcher.start(group);
      const end = matcher.end(group);
      // An empty match replaces nothing (lint warns of such patterns); an unmatched group neither.
      if (start < 0 || end <= start || start < from) continue;
      // Already what it would become (a replacement an earlier step wrote): not counted twice.
      if (text.slice(start, end) === replace) continue;
      out += text.slice(from, start) + replace;
      from = end;
      replaced += 1;
    }
    if (from > 0) text = out + text.slice(from);
  }
  return { text, replaced };
}

/**
 * A JSON value with every string redacted (member names stay); with `secret-members`, every
 * string under a secret-named member is replaced whole. `seen` counts replacements.
 */
export function redactValue(redaction: Redaction, value: unknown, seen: { replaced: number }, secret = false): unknown {
  if (typeof value === 'string') {
    if (secret && redaction.secretMembers !== undefined && value !== '') {
      seen.replaced += 1;
      return redaction.secretMembers;
    }
    const done = redactText(redaction, value);
    seen.replaced += done.replaced;
    return done.text;
  }
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item) => {
      const next = redactValue(redaction, item, seen, secret);
      changed ||= next !== item;
      return next;
    });
    return changed ? out : value;
  }
  if (typeof value === 'object' && value !== null) {
    let out: Record<string, unknown> | undefined;
    for (const [key, item] of Object.entries(value)) {
      const next = redactValue(redaction, item, seen, secret || isSecretName(key));
      // defineProperty: a member named "__proto__" stays a member.
      if (next !== item) Object.defineProperty((out ??= { ...(value as Record<string, unknown>) }), key, { value: next, enumerable: true, writable: true, configurable: true });
    }
    return out ?? value;
  }
  return value;
}

const secretNamePattern = new RegExp(secretName, 'i');

export function isSecretName(name: string): boolean {
  return secretNamePattern.test(name);
}

/**
 * A text that is JSON (an object or array) is redacted as a structured value and written back
 * compactly, or indented by two spaces when it was written over several lines; other text, as text.
 */
function redactContentText(redaction: Redaction, text: string, seen: { replaced: number }): string {
  const trimmed = text.trim();
  if (redaction.secretMembers !== undefined && (trimmed.startsWith('{') || trimmed.startsWith('['))) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      parsed = undefined;
    }
    if (parsed !== undefined) {
      const before = seen.replaced;
      const next = redactValue(redaction, parsed, seen);
      if (seen.replaced === before) return text;
      return JSON.stringify(next, null, trimmed.includes('\n') ? 2 : undefined);
    }
  }
  const done = redactText(redaction, text);
  seen.replaced += done.replaced;
  return done.text;
}

/** A tool call's answer as the server sent it: a result, or a JSON-RPC error. */
export type ToolAnswer = { result: Record<string, unknown> } | { error: { code: number; message: string; data?: unknown } };

/**
 * The answer with its text content (text items, text resource contents), every string of
 * `structuredContent`, and the error's message and data redacted. `replaced` counts replacements;
 * with none, `answer` is the very object given.
 */
export function redactAnswer(redaction: Redaction, answer: ToolAnswer): { answer: ToolAnswer; replaced: number } {
  const seen = { replaced: 0 };
  if ('error' in answer) {
    const { error } = answer;
    const message = typeof error.message === 'string' ? redactContentText(redaction, error.message, seen) : error.message;
    const data = error.data === undefined ? undefined : redactValue(redaction, error.data, seen);
    if (seen.replaced === 0) return { answer, replaced: 0 };
    return { answer: { error: { ...error, message, ...(data === undefined ? {} : { data }) } }, replaced: seen.replaced };
  }
  const result = answer.result;
  let out: Record<string, unknown> | undefined;
  if (Array.isArray(result.content)) {
    const before = seen.replaced;
    const content = result.content.map((item: unknown) => redactItem(redaction, item, seen));
    if (seen.replaced > before) (out ??= { ...result }).content = content;
  }
  if (result.structuredContent !== undefined) {
    const before = seen.replaced;
    const structured = redactValue(redaction, result.structuredContent, seen);
    if (seen.replaced > before) (out ??= { ...result }).structuredContent = structured;
  }
  return out === undefined ? { answer, replaced: 0 } : { answer: { result: out }, replaced: seen.replaced };
}

/** One content item: `text` of a text item, `resource.text` of an embedded resource. */
function redactItem(redaction: Redaction, item: unknown, seen: { replaced: number }): unknown {
  if (!isRecord(item)) return item;
  if (item.type === 'text' && typeof item.text === 'string') {
    const text = redactContentText(redaction, item.text, seen);
    return text === item.text ? item : { ...item, text };
  }
  if (item.type === 'resource' && isRecord(item.resource) && typeof item.resource.text === 'string') {
    const text = redactContentText(redaction, item.resource.text, seen);
    return text === item.resource.text ? item : { ...item, resource: { ...item.resource, text } };
  }
  return item;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
