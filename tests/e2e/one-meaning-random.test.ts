import { READERS, ReaderSession, TOOLS, violations, type Executed } from './readers.js';
import { requireBuild, tempDir } from '../support/wrapper.js';
import { seededRandom as random } from '../support/random.js';

beforeAll(() => requireBuild());

const SEED = Number(process.env.ONE_MEANING_SEED ?? 20261203);
const MESSAGES = 150;

/** Characters that readers disagree about, beside ordinary and escaped ones. */
const CHARACTERS = ['a', 'Z', ' ', 'é', 'ß', 'ſ', '\u212a', '😀', '"', '\\', '/', '\u2028', '\u2029', '\u0085', '\u2026', '\t', '\n', '\r', '{', '}', '\u0000'];

class MessageWriter {
  constructor(private readonly next: () => number) {}

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Whitespace between tokens: usually none, sometimes space, tab, a bare \r or (rarely) \n. */
  space(): string {
    const roll = this.next();
    if (roll < 0.75) return '';
    if (roll < 0.85) return ' ';
    if (roll < 0.9) return '\t';
    if (roll < 0.996) return '\r';
    return '\n';
  }

  /** A member name, sometimes in another case (ASCII, or with a character Go folds alike). */
  name(name: string): string {
    const roll = this.next();
    if (roll < 0.97) return name;
    if (roll < 0.985) return name.toUpperCase();
    return name.replace('s', 'ſ').replace('k', '\u212a');
  }

  text(): string {
    let text = '';
    const length = Math.floor(this.next() * 8);
    for (let i = 0; i < length; i += 1) text += this.pick(CHARACTERS);
    return text;
  }

  /** A JSON value with random whitespace between its tokens. */
  value(value: unknown): string {
    const s = () => this.space();
    if (Array.isArray(value)) return `[${s()}${value.map((item) => this.value(item)).join(`${s()},${s()}`)}${s()}]`;
    if (typeof value === 'object' && value !== null) {
      const members = Object.entries(value).map(([key, member]) => `${s()}${JSON.stringify(this.name(key))}${s()}:${s()}${this.value(member)}${s()}`);
      return `{${members.join(',')}}`;
    }
    return JSON.stringify(value);
  }

  message(index: number): string {
    const id = `m${index}`;
    const roll = this.next();
    let message: Record<string, unknown>;
    if (roll < 0.65) {
      const tool = this.pick([...TOOLS, 'unknown_tool']);
      const args: Record<string, unknown> = { t: this.text() };
      if (tool === 'files') args.path = this.pick(['/srv/public/a', '/etc/shadow']);
      if (tool === 'numbers') args.n = this.pick([1, 2.5, 9007199254740992, 1e300]);
      message = { jsonrpc: '2.0', id, method: 'tools/call', params: { name: tool, arguments: args } };
    } else if (roll < 0.8) message = { jsonrpc: '2.0', id, method: 'ping', params: { t: this.text() } };
    else if (roll < 0.9) message = { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: id, progress: 1, message: this.text() } };
    else message = { jsonrpc: '2.0', id, method: 'tools/list' };
    return this.value(message);
  }
}

/** What a reader acted on, compared across readers: member names folded, as the case-folding one reads them. */
function comparable(executed: Executed[]): string[] {
  const fold = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(fold);
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(Object.entries(value).map(([key, member]) => [key.toUpperCase(), fold(member)]));
  };
  return executed.map((message) => JSON.stringify(fold(message)));
}

describe(`random messages, random whitespace, key case and text, random chunks (seed ${SEED})`, () => {
  const tmp = tempDir();
  const sessions = new Map<string, ReaderSession>();
  const writer = new MessageWriter(random(SEED));
  const lines = Array.from({ length: MESSAGES }, (_, index) => writer.message(index));
  const input = Buffer.from(`${lines.join('\n')}\n`, 'utf8');

  beforeAll(async () => {
    await Promise.all(
      READERS.map(async (reader) => {
        const session = new ReaderSession(reader, tmp.dir);
        sessions.set(reader, session);
        await session.initialize();
        // The same bytes for every reader, cut at random places (pieces split characters too).
        const cut = random(SEED + reader.length);
        for (let at = 0; at < input.length; ) {
          const size = 1 + Math.floor(cut() * 300);
          session.wrapper.send(input.subarray(at, at + size));
          at += size;
        }
        await session.barrier();
        await session.close();
      }),
    );
  }, 60_000);
  afterAll(() => tmp.remove());

  test('no reader executes a refused call', () => {
    for (const [reader, session] of sessions) expect({ reader, violations: violations(session.executedCalls()) }).toEqual({ reader, violations: [] });
  });

  test('every reader acts on exactly the same messages: the ones the wrapper judged and forwarded', () => {
    const [first, ...rest] = [...sessions.values()];
    for (const session of rest) expect({ reader: session.reader, executed: comparable(session.executed()) }).toEqual({ reader: session.reader, executed: comparable(first!.executed()) });
    const allowed = first!.audited().filter((record) => record.decision === 'allow').length;
    expect(first!.executedCalls()).toHaveLength(allowed);
  });

  test('no request is answered twice', () => {
    for (const session of sessions.values()) {
      const twice = [...session.answerCounts()].filter(([id, count]) => id !== 'null' && count > 1);
      expect({ reader: session.reader, twice }).toEqual({ reader: session.reader, twice: [] });
    }
  });

  test('a request the wrapper could read whole was answered', () => {
    const whole = lines.filter((line) => !line.includes('\n') && /^\{\s*"id"|,\s*"id"\s*:/.test(line) && /"method"\s*:/.test(line));
    const ids = whole.map((line) => /"id"\s*:\s*"(m\d+)"/.exec(line)?.[1]).filter((id): id is string => id !== undefined);
    expect(ids.length).toBeGreaterThan(20);
    for (const session of sessions.values()) {
      const counts = session.answerCounts();
      expect({ reader: session.reader, unanswered: ids.filter((id) => counts.get(JSON.stringify(id)) !== 1) }).toEqual({ reader: session.reader, unanswered: [] });
    }
  });
});
