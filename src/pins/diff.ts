import type { ToolDefinition } from './types.js';

export interface DiffLine {
  /** ' ' the same in both, '-' only in the pinned definition, '+' only in the current one */
  op: ' ' | '-' | '+';
  text: string;
}

/** Unchanged lines shown around each change. */
const context = 2;

/**
 * A unified-diff-like comparison of two definitions, each as JSON with sorted keys and two-space
 * indent, so a changed description or schema member shows as a `-`/`+` pair of lines. Runs of
 * unchanged lines longer than the context collapse into one `…` line.
 */
export function diffDefinitions(pinned: ToolDefinition | undefined, current: ToolDefinition | undefined): DiffLine[] {
  const before = pinned === undefined ? [] : readable(pinned);
  const after = current === undefined ? [] : readable(current);
  return collapse(lineDiff(before, after));
}

function readable(definition: ToolDefinition): string[] {
  return JSON.stringify(sorted(definition), null, 2).split('\n');
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(record).sort().map((key) => [key, sorted(record[key])]));
}

/** Longest common subsequence of lines; definitions are small. */
function lineDiff(a: readonly string[], b: readonly string[]): DiffLine[] {
  const lengths: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) {
      const row = lengths[i] as number[];
      const below = lengths[i + 1] as number[];
      row[j] = a[i] === b[j] ? (below[j + 1] as number) + 1 : Math.max(below[j] as number, row[j + 1] as number);
    }
  }
  const lines: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      lines.push({ op: ' ', text: a[i] as string });
      i += 1;
      j += 1;
    } else if (((lengths[i + 1] as number[])[j] as number) >= ((lengths[i] as number[])[j + 1] as number)) {
      lines.push({ op: '-', text: a[i] as string });
      i += 1;
    } else {
      lines.push({ op: '+', text: b[j] as string });
      j += 1;
    }
  }
  for (; i < a.length; i += 1) lines.push({ op: '-', text: a[i] as string });
  for (; j < b.length; j += 1) lines.push({ op: '+', text: b[j] as string });
  return lines;
}

function collapse(lines: readonly DiffLine[]): DiffLine[] {
  const near = lines.map((_, index) => lines.slice(Math.max(0, index - context), index + context + 1).some((line) => line.op !== ' '));
  const shown: DiffLine[] = [];
  lines.forEach((line, index) => {
    if (near[index]) shown.push(line);
    else if (shown.at(-1)?.text !== '…' || shown.at(-1)?.op !== ' ') shown.push({ op: ' ', text: '…' });
  });
  return shown;
}
