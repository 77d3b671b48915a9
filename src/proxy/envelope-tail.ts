import { RESULT_MEMBERS, TOP_LEVEL_MEMBERS, decodeKey, envelopeOf, type Envelope, type OpenMember, type Target } from './envelope.js';
import type { IdSpan } from './id-span.js';
import { BACKSLASH, CLOSE_ARRAY, CLOSE_OBJECT, COLON, COMMA, OPEN_ARRAY, OPEN_OBJECT, QUOTE, isJsonSpace } from './json-bytes.js';

/** Longer values are not worth keeping: nothing read here is that long (see envelope.ts). */
const MAX_VALUE_BYTES = 64 * 1024;

/** Members read from the end of a line backwards: key → raw JSON text of a scalar value. */
type Members = Map<string, string | undefined>;

/** One member read backwards: its key, its value's text when kept, and the position before it. */
interface BackMember {
  key: string;
  raw: string | undefined;
  before: number;
}

/** An object read backwards from its closing brace. */
interface ObjectEnd {
  /** for a key given twice, the last */
  members: Members;
  /** where the object opens; -1 when that is before these bytes, or they do not read as JSON */
  start: number;
  /** a value opening before these bytes stopped the reading (top level only) */
  open?: { bracket: '{' | '['; inner: Members };
  /** the inner members of a `result` or `error` read whole (top level only) */
  closedInner: Map<string, Members>;
}

/**
 * What the last bytes of a line say: the top-level members after the one whose value starts
 * before these bytes (the open member), and the last members inside that value when it is an object.
 */
export interface Tail {
  /** top-level members after the open one; for a key given twice, the last */
  members: Members;
  /** inner members of a `result` or `error` that ends among these bytes */
  closedInner: Map<string, Members>;
  bracket: '{' | '[';
  inner: Members;
}

/**
 * Reads the end of a JSON object backwards. JSON can be read from the right: inside a string every
 * quote is escaped by an odd run of backslashes, so the quote that opens a string is the nearest
 * one before it with an even run. Undefined when the bytes do not end the way a large message
 * does (an object whose last bytes end the value of an open member).
 */
export function readTail(bytes: Buffer): Tail | undefined {
  const reader = new BackwardReader(bytes);
  const close = reader.skipSpace(bytes.length - 1);
  if (bytes[close] !== CLOSE_OBJECT) return undefined;
  const { members, closedInner, open } = reader.objectEnd(close, true);
  // No open member: the whole object is in view (short enough to scan), or not read as JSON.
  return open && { members, closedInner, bracket: open.bracket, inner: open.inner };
}

/**
 * The envelope of a line from what a scan of its head read (`head`) and what its end says
 * (`tail`), taking the open member of both to be the same one: the bytes between are not read.
 * Undefined when the two do not fit together.
 */
export function joinEnvelope(head: OpenMember, tail: Tail): Envelope | undefined {
  if (head.bracket !== tail.bracket) return undefined;
  const values = new Map<Target, string | undefined>(head.values);
  const seen = new Set(head.seen);
  const innerTargets = (key: string): ReadonlySet<string> => (key === 'result' ? RESULT_MEMBERS : key === 'error' ? ERROR_MEMBERS : NONE);
  const take = (members: Members, targets: ReadonlySet<string>): void => {
    for (const [key, raw] of members) if (targets.has(key)) values.set(key as Target, raw);
  };
  take(tail.inner, innerTargets(head.key));
  for (const [key, inner] of tail.closedInner) {
    for (const target of innerTargets(key)) values.delete(target as Target);
    take(inner, innerTargets(key));
  }
  for (const key of tail.members.keys()) seen.add(key);
  take(tail.members, TOP_LEVEL_MEMBERS);
  return envelopeOf(values, seen);
}

/**
 * The span of the top-level `id` value among the last members of a line (`bytes` its end), read
 * backwards; undefined when it is not there (it comes before a value that opens earlier).
 */
export function trailingIdSpan(bytes: Buffer): IdSpan | undefined {
  const reader = new BackwardReader(bytes);
  let at = reader.skipSpace(bytes.length - 1);
  if (bytes[at] !== CLOSE_OBJECT) return undefined;
  at = reader.skipSpace(at - 1);
  for (;;) {
    const last = bytes[at];
    const compound = last === CLOSE_OBJECT || last === CLOSE_ARRAY;
    const start = compound ? reader.compoundStart(at) : last === QUOTE ? reader.stringStart(at) : reader.scalarStart(at);
    if (start < 0) return undefined;
    const member = reader.member(start, at, false);
    if (member === undefined) return undefined;
    if (member.key === 'id') return compound ? undefined : [start, at + 1];
    if (bytes[member.before] !== COMMA) return undefined;
    at = reader.skipSpace(member.before - 1);
  }
}

const ERROR_MEMBERS: ReadonlySet<string> = new Set(['code']);
const NONE: ReadonlySet<string> = new Set();

/** Positions move right to left; -1 means "before the bytes we have". */
class BackwardReader {
  constructor(private readonly bytes: Buffer) {}

  skipSpace(at: number): number {
    const bytes = this.bytes;
    while (at >= 0 && isJsonSpace(bytes[at]!)) at -= 1;
    return at;
  }

  /** `bytes[close]` is a string's closing quote: where its opening quote is, or -1. */
  stringStart(close: number): number {
    const bytes = this.bytes;
    // A byte loop, not lastIndexOf: the strings read back through are often text holding JSON,
    // with an escaped quote every few bytes, where one call per quote costs more than the loop.
    for (let at = close - 1; at >= 0; at -= 1) {
      if (bytes[at] !== QUOTE) continue;
      let before = at - 1;
      while (before >= 0 && bytes[before] === BACKSLASH) before -= 1;
      // A run of backslashes reaching the first byte may go on before it: undecidable here.
      if (before < 0) return -1;
      if ((at - 1 - before) % 2 === 0) return at;
      at = before + 1;
    }
    return -1;
  }

  /** `bytes[close]` closes an object or array: where it opens, or -1. */
  compoundStart(close: number): number {
    const bytes = this.bytes;
    let depth = 0;
    let at = close;
    while (at >= 0) {
      const byte = bytes[at]!;
      if (byte === QUOTE) {
        at = this.stringStart(at);
        if (at < 0) return -1;
      } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) depth += 1;
      else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
        depth -= 1;
        if (depth === 0) return at;
      }
      at -= 1;
    }
    return -1;
  }

  /** A number, `true`, `false` or `null` ending at `end`: where it starts, or -1. */
  scalarStart(end: number): number {
    const bytes = this.bytes;
    let at = end;
    while (at >= 0 && isScalarByte(bytes[at]!)) at -= 1;
    return at < 0 || at === end ? -1 : at + 1;
  }

  /** The member whose value spans `start`..`end`: its key and the position before it. */
  member(start: number, end: number, keep: boolean): BackMember | undefined {
    const bytes = this.bytes;
    let at = this.skipSpace(start - 1);
    if (bytes[at] !== COLON) return undefined;
    at = this.skipSpace(at - 1);
    if (bytes[at] !== QUOTE) return undefined;
    const keyStart = this.stringStart(at);
    if (keyStart < 0) return undefined;
    const key = decodeKey(bytes.toString('utf8', keyStart + 1, at));
    if (key === undefined) return undefined;
    const raw = keep && end - start < MAX_VALUE_BYTES ? bytes.toString('utf8', start, end + 1) : undefined;
    return { key, raw, before: this.skipSpace(keyStart - 1) };
  }

  /** The member whose string or scalar value ends at `end`. */
  scalarMember(end: number): BackMember | undefined {
    const start = this.bytes[end] === QUOTE ? this.stringStart(end) : this.scalarStart(end);
    return start < 0 ? undefined : this.member(start, end, true);
  }

  /**
   * Reads the object that `bytes[close]` closes backwards, member by member, as far as these bytes
   * go. At the top level, a value that is an object is read the same way (one level down, values
   * are only skipped): that finds the member whose value opens before these bytes, and the last
   * members inside it.
   */
  objectEnd(close: number, top: boolean): ObjectEnd {
    const bytes = this.bytes;
    const end: ObjectEnd = { members: new Map(), start: -1, closedInner: new Map() };
    let at = this.skipSpace(close - 1);
    if (bytes[at] === OPEN_OBJECT) {
      end.start = at;
      return end;
    }
    for (;;) {
      at = this.skipSpace(at);
      if (at < 0) return end;
      const last = bytes[at];
      let member: BackMember | undefined;
      if (last === CLOSE_OBJECT || last === CLOSE_ARRAY) {
        const inner = top && last === CLOSE_OBJECT ? this.objectEnd(at, false) : undefined;
        const start = inner ? inner.start : this.compoundStart(at);
        if (start < 0) {
          if (top) end.open = { bracket: inner ? '{' : '[', inner: inner?.members ?? new Map() };
          return end;
        }
        member = this.member(start, at, false);
        const key = member?.key;
        if (inner && (key === 'result' || key === 'error') && !end.members.has(key)) end.closedInner.set(key, inner.members);
      } else member = this.scalarMember(at);
      if (member === undefined) return end;
      if (!end.members.has(member.key)) end.members.set(member.key, member.raw);
      at = member.before;
      if (bytes[at] === OPEN_OBJECT) {
        end.start = at;
        return end;
      }
      if (bytes[at] !== COMMA) return end;
      at -= 1;
    }
  }
}

function isScalarByte(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x2d || byte === 0x2b || byte === 0x2e || byte === 0x45;
}
