import { ExitCode, PolicyWrapError } from '../errors.js';

/** One thing wrong with a policy file, located in it (1-based line and column). */
export interface Problem {
  file: string;
  line: number;
  column: number;
  /** Stable: `policy.*` for load errors, `lint.*` for checks beyond the schema. */
  code: string;
  severity: 'error' | 'warning';
  message: string;
}

export function formatProblem(problem: Problem): string {
  return `${problem.file}:${problem.line}:${problem.column}: ${problem.code}: ${problem.message}`;
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((problem) => problem.severity === 'error');
}

/** Document order, then code, so output is stable whatever order the checks ran in. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) =>
      compareStrings(a.file, b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      compareStrings(a.code, b.code) ||
      compareStrings(a.message, b.message),
  );
}

/** By UTF-16 code unit, never by locale: the same order on every machine. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A policy that cannot be used, raised on the start-up path; carries every problem found. */
export class PolicyLoadError extends PolicyWrapError {
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[]) {
    const errors = problems.filter((problem) => problem.severity === 'error');
    const first = errors[0] ?? problems[0];
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    super(first === undefined ? 'policy.invalid' : first.code, first === undefined ? 'invalid policy' : `${formatProblem(first)}${more}`, {
      exitCode: ExitCode.usage,
    });
    this.name = 'PolicyLoadError';
    this.problems = problems;
  }
}
