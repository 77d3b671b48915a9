import { BoundedMap, ENTRY_BYTES, stringBytes } from '../shared/bounded-map.js';
import { MAX_TOOL_NAME_LENGTH } from '../shared/tool-names.js';
import type { CompiledRule } from './compile.js';
import { compareSpecificity, matchGlob } from './glob.js';
import { pointerOf } from './pointer.js';

export type SectionName = 'resources' | 'prompts';

/** Which rule decides a URI or prompt name, remembered per section within the same bounds as tool names. */
const cacheBounds = { maxEntries: 10_000, maxBytes: 1024 * 1024, sizeOf: (name: string) => ENTRY_BYTES + stringBytes(name) };

/**
 * `resources` or `prompts`, compiled: rules most specific first, and the default that decides what
 * no rule matches (the section's own, else the top-level one).
 */
export class CompiledSection {
  readonly default: 'allow' | 'deny';
  /** "/resources/default" when the section gives its own default, else "(default)". */
  readonly defaultPointer: string;
  /** Every rule, most specific first; keys are exact URIs or names, or glob patterns. */
  readonly rules: readonly CompiledRule[];
  private readonly exact: ReadonlyMap<string, CompiledRule>;
  private readonly patterns: readonly CompiledRule[];
  private readonly chosen = new BoundedMap<string, CompiledRule | null>(cacheBounds);

  constructor(
    readonly name: SectionName,
    rules: readonly CompiledRule[],
    own: { default: 'allow' | 'deny' | undefined; inherited: 'allow' | 'deny' },
  ) {
    this.default = own.default ?? own.inherited;
    this.defaultPointer = own.default === undefined ? '(default)' : pointerOf(name, 'default');
    this.rules = [...rules].sort((a, b) => compareSpecificity(a.glob, b.glob));
    this.exact = new Map(this.rules.filter((rule) => rule.glob.exact !== undefined).map((rule) => [rule.glob.exact as string, rule]));
    this.patterns = this.rules.filter((rule) => rule.glob.exact === undefined);
  }

  /** The one rule that decides `name` (a URI or a prompt name), or undefined when the default does. */
  ruleFor(name: string): CompiledRule | undefined {
    const known = this.chosen.get(name);
    if (known !== undefined) return known ?? undefined;
    const rule = this.exact.get(name) ?? this.patterns.find((candidate) => matchGlob(candidate.glob, name));
    if (name.length <= MAX_TOOL_NAME_LENGTH) this.chosen.set(name, rule ?? null);
    return rule;
  }
}
