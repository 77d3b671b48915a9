import { BoundedMap } from '../../../src/shared/bounded-map.js';

const sized = (maxEntries: number, maxBytes: number) => {
  const evicted: string[] = [];
  const map = new BoundedMap<string, string>({ maxEntries, maxBytes, sizeOf: (key, value) => key.length + value.length, onEvict: (key) => evicted.push(key) });
  return { map, evicted };
};

describe('BoundedMap', () => {
  test('over its entry count, the oldest entries make room', () => {
    const { map, evicted } = sized(3, 1_000);
    for (const key of ['a', 'b', 'c', 'd', 'e']) map.set(key, '1');
    expect([...map.keys()]).toEqual(['c', 'd', 'e']);
    expect(evicted).toEqual(['a', 'b']);
    expect(map.bytes).toBe(6);
  });

  test('over its bytes, as many of the oldest go as the new entry needs', () => {
    const { map, evicted } = sized(100, 10);
    map.set('a', '1234');
    map.set('b', '1234');
    map.set('c', '12');
    expect(map.bytes).toBe(8);
    expect([...map.keys()]).toEqual(['b', 'c']);
    expect(evicted).toEqual(['a']);
    map.set('d', '12345678');
    expect([...map.keys()]).toEqual(['d']);
    expect(map.bytes).toBe(9);
  });

  test('an entry larger than the whole budget is not kept, and displaces nothing', () => {
    const { map, evicted } = sized(100, 10);
    map.set('a', '1');
    expect(map.set('big', 'x'.repeat(100))).toBe(false);
    expect(map.has('big')).toBe(false);
    expect([...map.keys()]).toEqual(['a']);
    expect(evicted).toEqual([]);
  });

  test('setting a key again replaces its bytes and makes it the newest; delete and clear give the bytes back', () => {
    const { map } = sized(2, 100);
    map.set('a', '1');
    map.set('b', '1');
    map.set('a', '12345');
    expect(map.bytes).toBe(2 + 6);
    map.set('c', '1');
    expect([...map.keys()]).toEqual(['a', 'c']);
    expect(map.delete('a')).toBe(true);
    expect(map.bytes).toBe(2);
    map.clear();
    expect([map.size, map.bytes]).toEqual([0, 0]);
  });
});
