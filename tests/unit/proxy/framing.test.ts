import { jest } from '@jest/globals';
import { LineSplitter, type Frame } from '../../../src/proxy/framing.js';

const lines = (frames: Frame[]): string[] =>
  frames.map((frame) => {
    if (frame.kind === 'line') return frame.bytes.toString('utf8');
    if (frame.kind === 'scanned') return `<scanned ${Buffer.concat(frame.chunks).toString('utf8')}>`;
    return `<oversize ${frame.size}>`;
  });

function split(chunks: (string | Buffer)[], maxLineBytes = 1024, scanAboveBytes?: number): string[] {
  const splitter = new LineSplitter({ maxLineBytes, scanAboveBytes });
  const frames = chunks.flatMap((chunk) => splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
  return lines([...frames, ...splitter.end()]);
}

describe('LineSplitter', () => {
  test('splits on \\n and strips one trailing \\r', () => {
    expect(split(['a\nb\r\nc\r\r\n'])).toEqual(['a', 'b', 'c\r']);
  });

  test('a bare \\r is not a separator', () => {
    expect(split(['{"a":\r1}\n'])).toEqual(['{"a":\r1}']);
  });

  test('joins a line that spans chunks, and keeps empty lines for the caller to skip', () => {
    expect(split(['ab', 'c', '\n\nd', 'e\n'])).toEqual(['abc', '', 'de']);
  });

  test('a CRLF split between chunks is still one separator', () => {
    expect(split(['x\r', '\ny\n'])).toEqual(['x', 'y']);
  });

  test('a UTF-8 character split across chunks survives', () => {
    const bytes = Buffer.from('{"t":"é€😀"}\n', 'utf8');
    const pieces = [...bytes].map((byte) => Buffer.from([byte]));
    expect(split(pieces)).toEqual(['{"t":"é€😀"}']);
  });

  test('a last line without a newline counts when the stream ends', () => {
    expect(split(['a\nb'])).toEqual(['a', 'b']);
  });

  test('a line over the limit becomes one oversize frame, and the next line is intact', () => {
    expect(split(['12345', '6789\nok\n'], 8)).toEqual(['<oversize 9>', 'ok']);
    expect(split(['12345678\n'], 8)).toEqual(['12345678']);
  });

  test('an oversize line is not buffered: its envelope is read as it passes', () => {
    const splitter = new LineSplitter({ maxLineBytes: 64 });
    const frames: Frame[] = [];
    const head = Buffer.from('{"jsonrpc":"2.0","result":{"content":"');
    const tail = Buffer.from('"},"id":7}\n');
    frames.push(...splitter.push(head));
    for (let i = 0; i < 100; i += 1) frames.push(...splitter.push(Buffer.alloc(1000, 0x78)));
    frames.push(...splitter.push(tail));
    expect(frames).toHaveLength(1);
    const [frame] = frames;
    expect(frame?.kind).toBe('oversize');
    if (frame?.kind !== 'oversize') return;
    expect(frame.size).toBe(head.length + 100_000 + tail.length - 1);
    expect(frame.envelope).toMatchObject({ wellFormed: true, id: 7, hasResult: true });
  });

  test('a 50 MB line in 64 KiB chunks is joined with one copy', () => {
    const size = 50 * 1024 * 1024;
    const chunkSize = 64 * 1024;
    const splitter = new LineSplitter({ maxLineBytes: 64 * 1024 * 1024 });
    const concat = jest.spyOn(Buffer, 'concat');
    try {
      const chunk = Buffer.alloc(chunkSize, 0x61);
      const frames: Frame[] = [];
      for (let sent = 0; sent < size; sent += chunkSize) frames.push(...splitter.push(chunk));
      frames.push(...splitter.push(Buffer.from('\n')));
      expect(frames).toHaveLength(1);
      expect(frames[0]?.kind === 'line' && frames[0].bytes.length).toBe(size);
      expect(concat).toHaveBeenCalledTimes(1);
    } finally {
      concat.mockRestore();
    }
  });

  test('above scanAboveBytes a line is handed over as its chunks, its envelope read as they came', () => {
    expect(split(['{"id":1}\n{"id":', '22}\r', '\n{"a":"bc"}', '\r\nxyz\n'], 64, 8)).toEqual(['{"id":1}', '<scanned {"id":22}>', '<scanned {"a":"bc"}>', 'xyz']);
    expect(split(['{"id":', '333}\r\n', '123456789\n'], 8, 4)).toEqual(['<oversize 11>', '<oversize 9>']);
  });

  test('a 50 MB line above scanAboveBytes is never joined, and its size leaves out the \\r', () => {
    const splitter = new LineSplitter({ maxLineBytes: 64 * 1024 * 1024, scanAboveBytes: 1024 * 1024 });
    const concat = jest.spyOn(Buffer, 'concat');
    try {
      const head = Buffer.from('{"jsonrpc":"2.0","result":{"text":"');
      const body = Buffer.alloc(64 * 1024, 0x61);
      const frames: Frame[] = [...splitter.push(head)];
      for (let i = 0; i < 800; i += 1) frames.push(...splitter.push(body));
      frames.push(...splitter.push(Buffer.from('"},"id":"big"}\r')), ...splitter.push(Buffer.from('\n')));
      expect(frames).toHaveLength(1);
      const [frame] = frames;
      if (frame?.kind !== 'scanned') throw new Error(`expected a scanned frame, got ${frame?.kind}`);
      expect(frame.chunks).toHaveLength(802);
      expect(frame.size).toBe(head.length + 800 * body.length + 14);
      expect(frame.chunks.reduce((sum, chunk) => sum + chunk.length, 0)).toBe(frame.size);
      expect(frame.envelope).toMatchObject({ wellFormed: true, id: 'big', hasResult: true });
      // Only the scanner's short captures (jsonrpc, id) and the last bytes it reads back from are
      // joined, never the line.
      const joined = concat.mock.calls.map(([list]) => list.reduce((sum, piece) => sum + piece.length, 0));
      expect(Math.max(...joined)).toBeLessThanOrEqual(128 * 1024);
    } finally {
      concat.mockRestore();
    }
  });
});
