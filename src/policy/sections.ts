import type { CompiledRule } from './compile.js';
import { pointerOf } from './pointer.js';
import { RuleIndex } from './rule-index.js';

export type SectionName = 'resources' | 'prompts';

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
  private readonly index: RuleIndex<CompiledRule>;

  constructor(
    readonly name: SectionName,
    rules: readonly CompiledRule[],
    own: { default: 'allow' | 'deny' | undefined; inherited: 'allow' | 'deny' },
  ) {
    this.default = own.default ?? own.inherited;
    this.defaultPointer = own.default === undefined ? '(default)' : pointerOf(name, 'default');
    this.index = new RuleIndex(rules);
    this.rules = this.index.rules;
  }

  /** The one rule that decides `name` (a URI or a prompt name), or undefined when the default does. */
  ruleFor(name: string): CompiledRule | undefined {
    return this.index.ruleFor(name);
  }
}
