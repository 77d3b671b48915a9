import { createHash } from 'node:crypto';

/**
 * The hash chain of an audit log. Every line is one JSON object that ends with a `prev` member:
 * the SHA-256 (lowercase hex) of the exact bytes of the line before it in the same file, its `\n`
 * included. The first line's `prev` is the SHA-256 of nothing (the empty string). Changing,
 * removing, inserting or moving any line but the last breaks the link of the line after it.
 */

/** SHA-256 of the empty string: the `prev` of a file's first line. */
export const CHAIN_START = createHash('sha256').digest('hex');

/** The `prev` the line after `line` must carry; `line` is its exact bytes (or their text), its `\n` included. */
export function linkAfter(line: Uint8Array | string): string {
  return createHash('sha256').update(line).digest('hex');
}

/**
 * A whole line from the JSON text of a record (`{...}`, without `prev`) and the link to the line
 * before it: `prev` goes last, so the record's own members keep their order.
 */
export function chainedLine(recordJson: string, prev: string): string {
  const empty = recordJson.length === 2;
  return `${recordJson.slice(0, -1)}${empty ? '' : ','}"prev":"${prev}"}\n`;
}

export interface ChainBreak {
  /** 1-based line number in the file */
  line: number;
  message: string;
}

/**
 * Checks a log line by line, from its first line. `check` gets each line's exact bytes without
 * its `\n` (`ended` false for a last line that has none) and returns what is wrong with its link.
 */
export class ChainChecker {
  private expected = CHAIN_START;
  private lines = 0;

  get count(): number {
    return this.lines;
  }

  /** The link the next line must carry: after an intact log, the anchor of its last line. */
  get head(): string {
    return this.expected;
  }

  check(bytes: Buffer, ended: boolean): ChainBreak | undefined {
    this.lines += 1;
    const line = this.lines;
    if (!ended) return { line, message: 'the last line has no line end: a write was cut short, or the file was cut' };
    const prev = prevOf(bytes);
    if (prev === undefined) return { line, message: 'not an audit record with a "prev" link (not JSON, or written without the chain)' };
    if (prev !== this.expected) {
      return {
        line,
        message:
          line === 1
            ? 'the first line should link to the start of the chain: lines were removed before it, or it was changed'
            : `its "prev" does not match line ${line - 1}: line ${line - 1} was changed, or lines between them were removed, inserted or moved`,
      };
    }
    this.expected = createHash('sha256').update(bytes).update(NEWLINE).digest('hex');
    return undefined;
  }
}

const NEWLINE = Buffer.from('\n');

function prevOf(bytes: Buffer): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const prev = (value as { prev?: unknown }).prev;
  return typeof prev === 'string' ? prev : undefined;
}
