import { RESULT_MEMBERS, TOP_LEVEL_MEMBERS, decodeKey, envelopeOf, type Envelope, type OpenMember, type Target } from './envelope.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
/** Longer values are not worth keeping: nothing read here is that long (see envelope.ts). */
const MAX_VALUE_BYTES = 64 * 1024;

/** Members read from the end of a line backwards: key → raw JSON text of a scalar value. */
type Members = Map<string, string | undefined>;

/**
 * What the last bytes of a line say: the top-level members after the one whose value starts
 * before these bytes (the open member), and the last members inside that value when it is an object.
 */
export interface Tail {
  /** top-level members after the open one; for a key given twice, the last */
  members: Members;
  memberCount: number;
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
  let at = reader.skipSpace(bytes.length - 1);
  if (bytes[at] !== CLOSE_OBJECT) return undefined;
  const members: Members = new Map();
  const closedInner = new Map<string, Members>();
  let memberCount = 0;
  at -= 1;
  for (;;) {
    at = reader.skipSpace(at);
    const last = bytes[at];
    if (last === CLOSE_OBJECT || last === CLOSE_ARRAY) {
      const object = last === CLOSE_OBJECT ? reader.members(at) : undefined;
      const start = object ? object.start : reader.compoundStart(at);
      if (start < 0) return { members, memberCount, closedInner, bracket: object ? '{' : '[', inner: object?.members ?? new Map() };
      const member = reader.member(start, at, false);
      if (member === undefined) return undefined;
      memberCount += 1;
      if (!members.has(member.key)) {
        members.set(member.key, undefined);
        if (object && (member.key === 'result' || member.key === 'error')) closedInner.set(member.key, object.members);
      }
      at = member.before;
    } else {
      const member = reader.scalarMember(at);
      if (member === undefined) return undefined;
      memberCount += 1;
      if (!members.has(member.key)) members.set(member.key, member.raw);
      at = member.before;
    }
    if (bytes[at] !== COMMA) return undefined;
    at -= 1;
  }
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
  return envelopeOf(values, seen, head.memberCount + tail.memberCount);
}

const ERROR_MEMBERS: ReadonlySet<string> = new Set(['code']);
const NONE: ReadonlySet<string> = new Set();

/** Positions move right to left; -1 means "before the bytes we have". */
class BackwardReader {
  constructor(private readonly bytes: Buffer) {}

  skipSpace(at: number): number {
    const bytes = this.bytes;
    while (at >= 0) {
      const byte = bytes[at]!;
      if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) break;
      at -= 1;
    }
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
  member(start: number, end: number, keep: boolean): { key: string; raw: string | undefined; before: number } | undefined {
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
  scalarMember(end: number): { key: string; raw: string | undefined; before: number } | undefined {
    const start = this.bytes[end] === QUOTE ? this.stringStart(end) : this.scalarStart(end);
    return start < 0 ? undefined : this.member(start, end, true);
  }

  /**
   * The last members of the object that `bytes[close]` closes, as far as they can be read, and
   * where the object opens (-1 when that is before these bytes).
   */
  members(close: number): { members: Members; start: number } {
    const bytes = this.bytes;
    const members: Members = new Map();
    let at = this.skipSpace(close - 1);
    if (bytes[at] === OPEN_OBJECT) return { members, start: at };
    for (;;) {
      at = this.skipSpace(at);
      const last = bytes[at];
      if (at < 0) return { members, start: -1 };
      let member: { key: string; raw: string | undefined; before: number } | undefined;
      if (last === CLOSE_OBJECT || last === CLOSE_ARRAY) {
        const start = this.compoundStart(at);
        member = start < 0 ? undefined : this.member(start, at, false);
      } else member = this.scalarMember(at);
      if (member === undefined) return { members, start: -1 };
      if (!members.has(member.key)) members.set(member.key, member.raw);
      at = member.before;
      if (bytes[at] === OPEN_OBJECT) return { members, start: at };
      if (bytes[at] !== COMMA) return { members, start: -1 };
      at -= 1;
    }
  }
}

function isScalarByte(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x2d || byte === 0x2b || byte === 0x2e || byte === 0x45;
}
