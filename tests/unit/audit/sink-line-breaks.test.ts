import { Writable } from 'node:stream';
import { openAuditSink } from '../../../src/audit/sink.js';

/** How Python's str.splitlines, Java's readLine and JavaScript's line terminators cut text, together. */
const ANY_LINE_BOUNDARY = /\r\n|[\n\r\v\f\u001c-\u001e\u0085\u2028\u2029]/;

describe('audit lines', () => {
  test('a tool name or argument holding U+2028, U+2029 or U+0085 stays on one line for every reader, and reads back the same', async () => {
    let written = '';
    const stderr = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        written += chunk.toString('utf8');
        callback();
      },
    });
    const sink = openAuditSink('-', stderr);
    const records = [
      { tool: 'read\u2028file', arguments: { path: '/a\u2029b\u0085c' } },
      { tool: 'plain', arguments: { text: 'line\nbreak\r' } },
    ];
    for (const record of records) sink.write(record);
    await sink.close();
    const lines = written.split(ANY_LINE_BOUNDARY).filter((line) => line !== '');
    expect(lines).toHaveLength(2);
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual(records.map((record) => ({ ...record, prev: expect.stringMatching(/^[0-9a-f]{64}$/) })));
    expect(lines[0]).toContain('read\\u2028file');
  });
});
