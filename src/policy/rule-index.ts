import { BoundedMap, ENTRY_BYTES, stringBytes } from '../shared/bounded-map.js';
import { MAX_TOOL_NAME_LENGTH } from '../shared/tool-names.js';
import { compareSpecificity, matchGlob, type Glob } from './glob.js';

/**
 * Which rule decides a name, remembered for up to 10,000 names and 1 MiB of them: clients choose
 * names, so the memory is bounded in both. A name over MAX_TOOL_NAME_LENGTH is never kept.
 */
const cacheBounds = { maxEntries: 10_000, maxBytes: 1024 * 1024, sizeOf: (name: string) => ENTRY_BYTES + stringBytes(name) };

/**
 * Rules keyed by an exact name or a glob pattern, most specific first: the first that matches a
 * name decides it. Exact names are one Map lookup, patterns are tried in order, and each answer is
 * remembered. Tool rules and the resource and prompt sections find their rule here.
 */
export class RuleIndex<R extends { glob: Glob }> {
  /** Every rule, most specific first. */
  readonly rules: readonly R[];
  private readonly exact: ReadonlyMap<string, R>;
  private readonly patterns: readonly R[];
  private readonly chosen = new BoundedMap<string, R | null>(cacheBounds);

  constructor(rules: readonly R[]) {
    this.rules = [...rules].sort((a, b) => compareSpecificity(a.glob, b.glob));
    this.exact = new Map(this.rules.filter((rule) => rule.glob.exact !== undefined).map((rule) => [rule.glob.exact as string, rule]));
    this.patterns = this.rules.filter((rule) => rule.glob.exact === undefined);
  }

  /** The one rule that decides `name`, or undefined when none matches (the default decides). */
  ruleFor(name: string): R | undefined {
    const known = this.chosen.get(name);
    if (known !== undefined) return known ?? undefined;
    const rule = this.exact.get(name) ?? this.patterns.find((candidate) => matchGlob(candidate.glob, name));
    // The gate refuses calls to longer names unjudged; one looked up anyway (a listed tool) is not kept.
    if (name.length <= MAX_TOOL_NAME_LENGTH) this.chosen.set(name, rule ?? null);
    return rule;
  }
}
