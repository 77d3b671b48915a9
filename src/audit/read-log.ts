import { createReadStream } from 'node:fs';

export interface LogLine {
  /** 1-based */
  number: number;
  /** the line's exact bytes, without its `\n` */
  bytes: Buffer;
  /** false for a last line with no `\n` */
  ended: boolean;
}

const NEWLINE = 0x0a;

/**
 * The lines of a file, streamed, split at `\n` bytes only: node:readline also ends lines at `\r`
 * and decodes the text, and the chain is over exact bytes.
 */
export async function* readLogLines(path: string): AsyncGenerator<LogLine> {
  let number = 0;
  let rest: Buffer[] = [];
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let from = 0;
    for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, from)) {
      const piece = chunk.subarray(from, at);
      const bytes = rest.length === 0 ? piece : Buffer.concat([...rest, piece]);
      rest = [];
      number += 1;
      yield { number, bytes, ended: true };
      from = at + 1;
    }
    if (from < chunk.length) rest.push(chunk.subarray(from));
  }
  if (rest.length > 0) yield { number: number + 1, bytes: Buffer.concat(rest), ended: false };
}
