import { MAX_RENDERING_CHARS, renderArguments } from '../../../src/approvals/render.js';

describe('renderArguments', () => {
  test('JSON-like, one line, members in their order', () => {
    expect(renderArguments({ path: '/tmp/a', force: true, n: 3, list: [1, 'two', null], nested: { a: {} } })).toBe(
      '{"path": "/tmp/a", "force": true, "n": 3, "list": [1, "two", null], "nested": {"a": {}}}',
    );
    expect(renderArguments({})).toBe('{}');
    expect(renderArguments(undefined)).toBe('null');
  });

  test('strings over 120 characters end with …', () => {
    const rendered = renderArguments({ text: 'a'.repeat(121), short: 'b'.repeat(120) });
    expect(rendered).toBe(`{"text": "${'a'.repeat(120)}…", "short": "${'b'.repeat(120)}"}`);
  });

  test.each(['token', 'accessToken', 'client_secret', 'PASSWORD', 'passwd', 'api_key', 'apiKey', 'X-Api-Key', 'Authorization', 'cookie', 'private_key', 'privateKey'])(
    'the value of a member named %s is hidden, whatever it is',
    (name) => {
      expect(renderArguments({ [name]: { nested: 'secret value' }, other: 'shown' })).toBe(`{"${name}": [hidden], "other": "shown"}`);
    },
  );

  test('hidden in nested objects too', () => {
    expect(renderArguments({ auth: { headers: { Authorization: 'Bearer x' } } })).toBe('{"auth": {"headers": {"Authorization": [hidden]}}}');
  });

  test('objects and arrays deeper than four levels are elided', () => {
    expect(renderArguments({ a: { b: { c: { d: 1 } } } })).toBe('{"a": {"b": {"c": {"d": 1}}}}');
    expect(renderArguments({ a: { b: { c: { d: { e: 1 } } } } })).toBe('{"a": {"b": {"c": {"d": {…}}}}}');
    expect(renderArguments([[[[1]]]])).toBe('[[[[1]]]]');
    expect(renderArguments([[[[[1]]]]])).toBe('[[[[[…]]]]]');
  });

  test(`capped at ${MAX_RENDERING_CHARS} characters, saying how many more there were`, () => {
    const args = { items: Array.from({ length: 500 }, (_, i) => `item-${i}`) };
    const full = JSON.stringify(args.items).length + '{"items": }'.length + 499; // ", " between items
    const rendered = renderArguments(args);
    expect(rendered.length).toBeLessThanOrEqual(MAX_RENDERING_CHARS);
    const more = /… \((\d+) more characters\)$/.exec(rendered);
    expect(more).not.toBeNull();
    expect(rendered.length - (more?.[0].length ?? 0) + Number(more?.[1])).toBe(full);
    expect(renderArguments(args, 50)).toMatch(/^\{"items": \["item-0", .*… \(\d+ more characters\)$/);
    expect(renderArguments(args, 50).length).toBeLessThanOrEqual(50);
  });

  test('never splits a surrogate pair when shortening', () => {
    const rendered = renderArguments({ s: `${'a'.repeat(119)}😀😀` });
    expect(rendered).toBe(`{"s": "${'a'.repeat(119)}…"}`);
  });

  test('nothing that could move a terminal: control characters, U+0085, U+2028/2029 and bidi controls are escaped', () => {
    const rendered = renderArguments({ 'na\nme': 'a\rb\u001b[31mc\u0085d\u2028e\u2029f\u202eg\u2066h\u007f' });
    expect(rendered).toBe('{"na\\nme": "a\\rb\\u001b[31mc\\u0085d\\u2028e\\u2029f\\u202eg\\u2066h\\u007f"}');
    expect(rendered).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
  });
});
