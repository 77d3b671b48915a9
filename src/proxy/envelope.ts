import { BACKSLASH, CLOSE_ARRAY, CLOSE_OBJECT, COLON, COMMA, OPEN_ARRAY, OPEN_OBJECT, QUOTE } from './json-bytes.js';
import type { JsonRpcId } from './jsonrpc.js';

/**
 * The JSON-RPC envelope of a message, read without parsing its body. `wellFormed` means the bytes
 * are one JSON object: strings closed, brackets balanced and matching, only whitespace around it.
 * Tokens between (numbers, literals, commas) are not checked, so this is for lines that are too
 * large to parse or are being dropped anyway, never for deciding what a server may execute.
 */
export type Envelope =
  | { wellFormed: false }
  | {
      wellFormed: true;
      /** top-level `jsonrpc` when it is a string */
      jsonrpc: string | undefined;
      /** top-level `id`: undefined when absent; 'unreadable' when not a string, number or null */
      id: JsonRpcId | null | 'unreadable' | undefined;
      /** top-level `method` when it is a string */
      method: string | undefined;
      hasMethod: boolean;
      hasResult: boolean;
      hasError: boolean;
      /** `result.isError` is literally `true` */
      resultIsError: boolean;
      /** `result.resultType` and `result.requestState` when they are strings (incomplete results) */
      resultType: string | undefined;
      requestState: string | undefined;
      /** `error.code` when it is a number */
      errorCode: number | undefined;
    };

export type Target = 'jsonrpc' | 'id' | 'method' | 'isError' | 'resultType' | 'requestState' | 'code';

export const TOP_LEVEL_MEMBERS: ReadonlySet<string> = new Set(['jsonrpc', 'id', 'method']);
export const RESULT_MEMBERS: ReadonlySet<string> = new Set(['isError', 'resultType', 'requestState']);

/** The top-level member a partial scan stopped inside, and what it had read before. */
export interface OpenMember {
  key: string;
  bracket: '{' | '[';
  /** the raw JSON text of each value read, undefined when too long to keep */
  values: ReadonlyMap<Target, string | undefined>;
  /** top-level keys seen, this one included */
  seen: ReadonlySet<string>;
}

const OBJECT = 1;
const ARRAY = 2;
/** Longer ids, methods and keys are not worth remembering: nothing we track is that long. */
const MAX_CAPTURE_BYTES = 4096;
/** An incomplete result's requestState is opaque server state and may be longer. */
const MAX_STATE_BYTES = 64 * 1024;
const MAX_KEY_BYTES = 256;

class Capture {
  readonly parts: Buffer[] = [];
  size = 0;
  overflow = false;

  constructor(readonly limit: number) {}

  add(piece: Buffer): void {
    if (this.overflow || piece.length === 0) return;
    this.size += piece.length;
    if (this.size > this.limit) this.overflow = true;
    else this.parts.push(piece);
  }

  text(): string | undefined {
    return this.overflow ? undefined : Buffer.concat(this.parts).toString('utf8');
  }
}

/**
 * Reads the envelope of one line fed in pieces, in one pass and bounded memory. Large messages are
 * mostly string, so strings are skipped with `indexOf` until one turns out to hold escaped quotes
 * (JSON inside a text, as many tools answer); the rest of that string goes through a plain byte
 * loop, since one `indexOf` call per quote costs far more than looking at each byte.
 */
export class EnvelopeScanner {
  private readonly stack: number[] = [];
  private started = false;
  private closed = false;
  private broken = false;
  private inString = false;
  /** backslashes ending the previous piece, inside a string: they may escape a quote that follows */
  private backslashes = 0;
  /** the current string holds escaped quotes: skipped byte by byte */
  private textString = false;
  /** byte loop: the previous piece ended with a backslash that escapes this piece's first byte */
  private escapePending = false;
  private expectKey = false;
  private key: Capture | undefined;
  private lastKey: string | undefined;
  private member: string | undefined;
  private value: { target: Target; depth: number; capture: Capture } | undefined;
  private readonly values = new Map<Target, string | undefined>();
  private readonly seen = new Set<string>();

  feed(chunk: Buffer): void {
    if (this.broken) return;
    let i = 0;
    let keyStart = 0;
    let valueStart = 0;
    const n = chunk.length;
    while (i < n && !this.broken) {
      if (this.inString) {
        const quote = this.stringEnd(chunk, i);
        if (quote === -1) {
          i = n;
          break;
        }
        this.inString = false;
        this.textString = false;
        this.backslashes = 0;
        if (this.key) {
          this.key.add(chunk.subarray(keyStart, quote));
          this.endKey();
        }
        i = quote + 1;
        continue;
      }
      const byte = chunk[i]!;
      i += 1;
      switch (byte) {
        case 0x20:
        case 0x09:
        case 0x0a:
        case 0x0d:
          break;
        case QUOTE:
          this.requireOpen();
          this.inString = true;
          if (this.expectKey && this.tracksKeys()) {
            this.key = new Capture(MAX_KEY_BYTES);
            keyStart = i;
          }
          this.expectKey = false;
          break;
        case OPEN_OBJECT:
          if (this.stack.length === 0) {
            if (this.started) this.broken = true;
            this.started = true;
          }
          this.stack.push(OBJECT);
          this.expectKey = true;
          break;
        case OPEN_ARRAY:
          this.requireOpen();
          this.stack.push(ARRAY);
          this.expectKey = false;
          break;
        case CLOSE_OBJECT:
        case CLOSE_ARRAY:
          if (this.stack.pop() !== (byte === CLOSE_OBJECT ? OBJECT : ARRAY)) this.broken = true;
          if (this.value && this.value.depth === this.stack.length + 1) {
            this.value.capture.add(chunk.subarray(valueStart, i - 1));
            this.endValue();
          }
          if (this.stack.length === 0) this.closed = true;
          this.expectKey = false;
          break;
        case COMMA:
          this.requireOpen();
          if (this.value && this.value.depth === this.stack.length) {
            this.value.capture.add(chunk.subarray(valueStart, i - 1));
            this.endValue();
          }
          this.expectKey = this.stack[this.stack.length - 1] === OBJECT;
          break;
        case COLON:
          this.requireOpen();
          if (this.startValue()) valueStart = i;
          break;
        default:
          this.requireOpen();
      }
    }
    if (this.key && this.inString) this.key.add(chunk.subarray(keyStart, n));
    if (this.value) this.value.capture.add(chunk.subarray(valueStart, n));
  }

  finish(): Envelope {
    if (this.broken || !this.closed || this.inString) return { wellFormed: false };
    return envelopeOf(this.values, this.seen);
  }

  /**
   * Where a scan fed only the first part of a line stands, when that is inside the value of a
   * top-level member (as it is deep in a large result): what the end of the line must be joined
   * with. Undefined when the scan stands anywhere else, or the bytes so far are not an object.
   */
  openMember(): OpenMember | undefined {
    const bracket = this.stack[1];
    if (this.broken || bracket === undefined || this.member === undefined || this.value !== undefined) return undefined;
    return {
      key: this.member,
      bracket: bracket === OBJECT ? '{' : '[',
      values: this.values,
      seen: this.seen,
    };
  }

  /** Where the string being skipped ends in `chunk` (its closing quote), or -1 when it goes on. */
  private stringEnd(chunk: Buffer, from: number): number {
    const n = chunk.length;
    let i = from;
    if (!this.textString) {
      const quote = chunk.indexOf(QUOTE, i);
      if (quote === -1) {
        this.carryBackslashes(chunk, i);
        return -1;
      }
      if (!this.escapedAt(chunk, i, quote)) return quote;
      this.textString = true;
      this.escapePending = false;
      i = quote + 1;
    } else if (this.escapePending) {
      this.escapePending = false;
      i += 1;
    }
    while (i < n) {
      const byte = chunk[i]!;
      if (byte === QUOTE) return i;
      i += byte === BACKSLASH ? 2 : 1;
    }
    this.escapePending = i > n;
    return -1;
  }

  /**
   * Whether the quote at `quote` is escaped: an odd run of backslashes right before it. Only a quote
   * costs a look back, so text full of other escapes is skipped at indexOf speed.
   */
  private escapedAt(chunk: Buffer, from: number, quote: number): boolean {
    let at = quote - 1;
    while (at >= from && chunk[at] === BACKSLASH) at -= 1;
    let run = quote - 1 - at;
    // Resuming inside a string at the start of a piece, the run may go on from the piece before.
    if (at < from && from === 0) run += this.backslashes;
    return run % 2 === 1;
  }

  /** The piece ends inside a string: remember how many backslashes it ends with. */
  private carryBackslashes(chunk: Buffer, from: number): void {
    let at = chunk.length - 1;
    while (at >= from && chunk[at] === BACKSLASH) at -= 1;
    const run = chunk.length - 1 - at;
    this.backslashes = at < from && from === 0 ? this.backslashes + run : run;
  }

  /** Bytes outside the top-level object (or a second one) make the line something else. */
  private requireOpen(): void {
    if (this.stack.length === 0) this.broken = true;
  }

  /** Keys matter at the top level, and one level down inside `result` and `error`. */
  private tracksKeys(): boolean {
    const depth = this.stack.length;
    return depth === 1 || (depth === 2 && (this.member === 'result' || this.member === 'error'));
  }

  private endKey(): void {
    const raw = this.key!.text();
    this.key = undefined;
    this.lastKey = raw === undefined ? undefined : decodeKey(raw);
  }

  /** Called at `:`; starts capturing the value when it is one we read. */
  private startValue(): boolean {
    const key = this.lastKey;
    this.lastKey = undefined;
    if (key === undefined) return false;
    const depth = this.stack.length;
    let target: Target | undefined;
    if (depth === 1) {
      this.member = key;
      this.seen.add(key);
      if (TOP_LEVEL_MEMBERS.has(key)) target = key as Target;
    } else if (depth === 2 && this.member === 'result' && RESULT_MEMBERS.has(key)) target = key as Target;
    else if (depth === 2 && this.member === 'error' && key === 'code') target = 'code';
    if (target === undefined) return false;
    this.value = { target, depth, capture: new Capture(target === 'requestState' ? MAX_STATE_BYTES : MAX_CAPTURE_BYTES) };
    return true;
  }

  private endValue(): void {
    const { target, capture } = this.value!;
    this.value = undefined;
    this.values.set(target, capture.text());
  }
}

/** The envelope of an object whose tracked values (raw JSON text) and top-level keys are known. */
export function envelopeOf(values: ReadonlyMap<Target, string | undefined>, seen: ReadonlySet<string>): Envelope {
  const read = (target: Target): unknown => {
    const raw = values.get(target);
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw);
    } catch {
      return undefined;
    }
  };
  const jsonrpc = read('jsonrpc');
  const id = read('id');
  const method = read('method');
  const code = read('code');
  const resultType = read('resultType');
  const requestState = read('requestState');
  return {
    wellFormed: true,
    jsonrpc: typeof jsonrpc === 'string' ? jsonrpc : undefined,
    id: !seen.has('id') ? undefined : id === null || typeof id === 'string' || typeof id === 'number' ? id : 'unreadable',
    method: typeof method === 'string' ? method : undefined,
    hasMethod: seen.has('method'),
    hasResult: seen.has('result'),
    hasError: seen.has('error'),
    resultIsError: read('isError') === true,
    resultType: typeof resultType === 'string' ? resultType : undefined,
    requestState: typeof requestState === 'string' ? requestState : undefined,
    errorCode: typeof code === 'number' ? code : undefined,
  };
}

export function decodeKey(raw: string): string | undefined {
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return undefined;
  }
}
