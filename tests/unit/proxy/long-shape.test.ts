import { readFileSync } from 'node:fs';
import { LongShapeScanner } from '../../../src/proxy/long-shape.js';
import { ShapeScanner } from '../../../src/proxy/shape.js';
import { SHAPE_WASM_BASE64 } from '../../../src/proxy/wasm/shape-module.js';
import { seededRandom as random } from '../../support/random.js';

const IN_STRING = ['a', 'bcd', 'é', '\\\\', '\\"', '\\\\\\"', '\\n', '\\u2028', '\u2028', '\u2029', '\u0085', '\u2026', '\u00c2', '{', '[', '}', ']', ':', ',', '\u000b', '\r', 'x'.repeat(40)];
const BETWEEN = ['', '', '', ' ', '\t', '\r'];

/** Valid-looking JSON text (strings well escaped unless a raw character is meant as a trap). */
function text(next: () => number, depth: number, maxDepth: number): string {
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  const roll = next();
  if (depth >= maxDepth || roll < 0.3) {
    if (next() < 0.5) return String(Math.floor(next() * 1000));
    let content = '';
    const length = Math.floor(next() * 12);
    for (let i = 0; i < length; i += 1) content += pick(IN_STRING);
    return `"${content}"`;
  }
  const items = Array.from({ length: Math.floor(next() * 5) }, () => text(next, depth + 1, maxDepth));
  const s = () => pick(BETWEEN);
  if (roll < 0.6) return `[${s()}${items.join(`${s()},${s()}`)}${s()}]`;
  return `{${items.map((item, index) => `${s()}"k${index}"${s()}:${s()}${item}`).join(',')}${s()}}`;
}

function fed<T extends ShapeScanner | LongShapeScanner>(scanner: T, bytes: Buffer, next: () => number) {
  for (let at = 0; at < bytes.length; ) {
    const size = 1 + Math.floor(next() * (next() < 0.5 ? 8 : 200));
    scanner.feed(bytes.subarray(at, at + size));
    at += size;
  }
  return scanner.finish();
}

describe('LongShapeScanner (WebAssembly SIMD) reads every line as ShapeScanner does', () => {
  const LIMIT = 6;

  test('4,000 random lines, random pieces, both one-piece and split', () => {
    const next = random(7);
    const long = new LongShapeScanner(LIMIT);
    const short = new ShapeScanner();
    const mismatches: string[] = [];
    for (let round = 0; round < 4000; round += 1) {
      const bytes = Buffer.from(text(next, 0, 2 + Math.floor(next() * 8)), 'utf8');
      short.feed(bytes);
      const reference = short.finish();
      const whole = (long.feed(bytes), long.finish());
      const pieces = fed(long, bytes, next);
      for (const [how, got] of [['whole', whole], ['pieces', pieces]] as const) {
        if (got.mayBreak !== reference.mayBreak || got.depth > LIMIT !== reference.depth > LIMIT) {
          mismatches.push(`${how}: ${JSON.stringify(bytes.toString('utf8'))} ${JSON.stringify(got)} vs ${JSON.stringify(reference)}`);
        }
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  test('a 2 MB answer of JSON inside a text, with a break or a deep value far inside', () => {
    const inner = JSON.stringify({ items: Array.from({ length: 20000 }, (_, i) => ({ title: `Movie ${i} “quoted” …`, key: `/library/${i}` })) });
    const line = (middle: string) => Buffer.from(`{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":${JSON.stringify(inner)}}],"x":${middle}}}`);
    const scanner = new LongShapeScanner();
    expect(fed(scanner, line('1'), random(1))).toEqual({ depth: 0, mayBreak: false });
    expect(fed(scanner, line(`${'['.repeat(200)}${']'.repeat(200)}`), random(2)).depth).toBeGreaterThan(128);
    expect(fed(scanner, line('"\u2028"'), random(3)).mayBreak).toBe(true);
    expect(fed(scanner, line('1\r'), random(4)).mayBreak).toBe(true);
  });

  test('a trailing \\r the splitter drops is not a break', () => {
    const scanner = new LongShapeScanner();
    const bytes = Buffer.from(`{"a":"${'x'.repeat(300)}"}\r`);
    scanner.feed(bytes);
    expect(scanner.finish(bytes.length - 1)).toEqual({ depth: 0, mayBreak: false });
  });

  test('the committed module is shape.wat assembled', async () => {
    // @ts-expect-error a plain ES module without types
    const { assemble } = (await import('../../../src/proxy/wasm/assemble.mjs')) as { assemble(): Promise<string> };
    expect(await assemble()).toBe(SHAPE_WASM_BASE64);
    expect(readFileSync(new URL('../../../src/proxy/wasm/shape.wat', import.meta.url), 'utf8')).toMatch(/\(module/);
  });
});
