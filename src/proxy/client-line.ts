import type { IdSpan } from './id-span.js';
import { BACKSLASH, CLOSE_ARRAY, CLOSE_OBJECT, COMMA, OPEN_ARRAY, OPEN_OBJECT, QUOTE } from './json-bytes.js';
import { ENVELOPE_MEMBERS, PARAMS_MEMBERS, foldName } from './member-names.js';
import { MAX_NESTING_DEPTH } from './nesting.js';
import { numberProblem } from './numbers.js';

/**
 * What a client line means to readers other than JSON.parse, read from its bytes. The line is
 * valid JSON (JSON.parse read it), so this pass only looks where readers disagree:
 * - member names: two in one object that are equal, or equal to a case-insensitive reader, and
 *   envelope names (`method`, `params`, `name`, ...) spelled in another case;
 * - nesting deeper than MAX_NESTING_DEPTH;
 * - numbers that JSON.parse reads as another value than an exact reader would;
 * - the top-level `id` as written, when it is a number.
 */
export interface ClientLineCheck {
  /** why no reader may be given this line, whatever it is; undefined when none */
  refusal: string | undefined;
  /** the first number not judged as written (refused where the message is judged) */
  numberProblem: string | undefined;
  /** the top-level id's JSON text, when it is a number */
  idText: string | undefined;
  /** where the top-level id's value is in the line */
  idSpan: IdSpan | undefined;
}

type Role = 'top' | 'params' | 'other';

/** An object being read: the names seen so far, folded, each with its first spelling. */
interface ObjectFrame {
  role: Role;
  firstFolded: string | undefined;
  firstName: string | undefined;
  names: Map<string, string> | undefined;
}

export function checkClientLine(json: Buffer): ClientLineCheck {
  return new ClientLineReader(json).read();
}

class ClientLineReader {
  private readonly stack: (ObjectFrame | undefined)[] = [];
  private expectName = false;
  /** the last member name read at the top level: the value being read belongs to it */
  private topName: string | undefined;
  private refusal: string | undefined;
  private numberProblem: string | undefined;
  private idText: string | undefined;
  private idSpan: IdSpan | undefined;
  /** the string last skipped held an escape */
  private escaped = false;
  /** next backslash at or after the read position (-1: none left), so strings are skipped natively */
  private nextBackslash = -2;

  constructor(private readonly json: Buffer) {}

  read(): ClientLineCheck {
    const json = this.json;
    const stack = this.stack;
    let i = 0;
    while (i < json.length) {
      const byte = json[i]!;
      if (byte === QUOTE) {
        const end = this.stringEnd(i);
        if (this.expectName) {
          const problem = this.name(json, i, end);
          this.refusal ??= problem;
          this.expectName = false;
        } else if (this.atTopLevelId()) this.idSpan = [i, end + 1];
        i = end + 1;
        continue;
      }
      if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
        // Read on past a problem: the id may still come, and the answer must carry it as written.
        if (stack.length === MAX_NESTING_DEPTH) this.refusal ??= `it nests deeper than ${MAX_NESTING_DEPTH} levels`;
        if (byte === OPEN_ARRAY) stack.push(undefined);
        else {
          stack.push({ role: this.roleOfNewObject(), firstFolded: undefined, firstName: undefined, names: undefined });
          this.expectName = true;
        }
      } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
        stack.pop();
        this.expectName = false;
      } else if (byte === COMMA) {
        this.expectName = stack.length > 0 && stack[stack.length - 1] !== undefined;
      } else if (byte === 0x2d || (byte >= 0x30 && byte <= 0x39)) {
        i = this.number(i);
        continue;
      }
      i += 1;
    }
    return { refusal: this.refusal, numberProblem: this.numberProblem, idText: this.idText, idSpan: this.idSpan };
  }

  /** A value read now is the top-level `id`'s. */
  private atTopLevelId(): boolean {
    return this.stack.length === 1 && this.topName === 'id';
  }

  private roleOfNewObject(): Role {
    if (this.stack.length === 0) return 'top';
    if (this.stack.length === 1 && this.stack[0] !== undefined && this.topName === 'params') return 'params';
    return 'other';
  }

  /** Checks the member name whose opening quote is at `start`; a problem, or undefined. */
  private name(json: Buffer, start: number, end: number): string | undefined {
    const frame = this.stack[this.stack.length - 1]!;
    const name = this.escaped ? (JSON.parse(json.toString('utf8', start, end + 1)) as string) : json.toString('utf8', start + 1, end);
    if (frame.role === 'top') this.topName = name;
    const folded = foldName(name);
    const reserved = frame.role === 'top' ? ENVELOPE_MEMBERS.get(folded) : frame.role === 'params' ? PARAMS_MEMBERS.get(folded) : undefined;
    if (reserved !== undefined && reserved !== name) {
      return `the member name ${show(name)} is ${show(reserved)} to a reader that ignores case; write it as ${show(reserved)}`;
    }
    if (frame.firstFolded === undefined) {
      frame.firstFolded = folded;
      frame.firstName = name;
      return undefined;
    }
    frame.names ??= new Map([[frame.firstFolded, frame.firstName!]]);
    const earlier = frame.names.get(folded);
    if (earlier === undefined) {
      frame.names.set(folded, name);
      return undefined;
    }
    return earlier === name
      ? `the member name ${show(name)} appears twice in one object (readers keep different ones)`
      : `the member names ${show(earlier)} and ${show(name)} in one object are the same name to a reader that ignores case`;
  }

  /** Reads the number at `start`; returns the position after it. */
  private number(start: number): number {
    const json = this.json;
    let end = start + 1;
    let plain = true;
    for (; end < json.length; end += 1) {
      const byte = json[end]!;
      if (byte >= 0x30 && byte <= 0x39) continue;
      if (byte === 0x2e || byte === 0x65 || byte === 0x45 || byte === 0x2b || byte === 0x2d) plain = false;
      else break;
    }
    // A short plain integer (15 digits or fewer) is exact as a double: nothing to look at.
    const atId = this.atTopLevelId();
    if (!atId && plain && end - start <= 15) return end;
    const text = json.toString('latin1', start, end);
    if (atId) {
      this.idText = text;
      this.idSpan = [start, end];
    }
    this.numberProblem ??= numberProblem(text);
    return end;
  }

  /** The closing quote of the string opening at `start`. */
  private stringEnd(start: number): number {
    const json = this.json;
    let from = start + 1;
    let quote = json.indexOf(QUOTE, from);
    this.escaped = false;
    for (;;) {
      if (this.nextBackslash !== -1 && this.nextBackslash < from) this.nextBackslash = json.indexOf(BACKSLASH, from);
      if (this.nextBackslash === -1 || this.nextBackslash > quote) return quote;
      this.escaped = true;
      from = this.nextBackslash + 2;
      if (quote < from) quote = json.indexOf(QUOTE, from);
    }
  }
}

function show(name: string): string {
  const shown = JSON.stringify(name);
  return shown.length > 60 ? `${shown.slice(0, 57)}…"` : shown;
}
