import { jest } from '@jest/globals';
import type { OpenMember } from '../../../src/proxy/envelope.js';
import { LineSplitter, type Frame } from '../../../src/proxy/framing.js';

const lines = (frames: Frame[]): string[] =>
  frames.map((frame) => {
    if (frame.kind === 'line') return frame.bytes.toString('utf8');
    if (frame.kind === 'scanned') return `<scanned ${Buffer.concat(frame.chunks).toString('utf8')}>`;
    if (frame.kind === 'stream') return `<stream ${Buffer.concat(frame.chunks).toString('utf8')}>`;
    if (frame.kind === 'stream-cut') return '<cut>';
    if (frame.kind === 'streamed') return `<streamed ${frame.size}${frame.cut ? ' cut' : ''} id ${frame.envelope.wellFormed ? String(frame.envelope.id) : '?'}>`;
    return `<oversize ${frame.size}>`;
  });

function split(chunks: (string | Buffer)[], maxLineBytes = 1024, scanAboveBytes?: number, stream?: (head: OpenMember) => boolean): string[] {
  const splitter = new LineSplitter({ maxLineBytes, scanAboveBytes, stream });
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

  test('a long line the relay wants streamed comes as pieces in order, then its end with the envelope', () => {
    const heads: OpenMember[] = [];
    const stream = (head: OpenMember): boolean => {
      heads.push(head);
      return true;
    };
    expect(split(['{"a":1}\n{"jsonrpc":"2.0","id":5,"result":{"t', 'ext":"abc\r', 'def"}}\r', '\n{"b":2}\n'], 1024, 16, stream)).toEqual([
      '{"a":1}',
      '<stream {"jsonrpc":"2.0","id":5,"result":{"t>',
      '<stream ext":"abc>',
      '<stream \rdef"}}>',
      '<streamed 52 id 5>',
      '{"b":2}',
    ]);
    expect(heads).toHaveLength(1);
    expect(heads[0]).toMatchObject({ key: 'result', bracket: '{' });
  });

  test('a streamed line that goes over the limit is cut; its end still says whom it answered', () => {
    expect(split(['{"result":{"text":"', 'x'.repeat(40), 'y'.repeat(40), '"},"id":"big"}\n', '{"id":1}\n'], 64, 16, () => true)).toEqual([
      '<stream {"result":{"text":">',
      '<stream ' + 'x'.repeat(40) + '>',
      '<cut>',
      '<streamed 113 cut id big>',
      '{"id":1}',
    ]);
  });

  test('a long line the relay does not want streamed is kept whole, as before', () => {
    expect(split(['{"jsonrpc":"2.0","id":5,"result":{"t', 'ext":"abc"}}\n'], 1024, 16, () => false)).toEqual(['<scanned {"jsonrpc":"2.0","id":5,"result":{"text":"abc"}}>']);
    // Text that is not a JSON object is never offered for streaming.
    const offered = jest.fn(() => true);
    expect(split(['progress: 10% ', 'done and more text\n'], 1024, 16, offered)).toEqual(['<scanned progress: 10% done and more text>']);
    expect(offered).not.toHaveBeenCalled();
  });

  test('a streamed line keeps only its last bytes for the envelope', () => {
    const splitter = new LineSplitter({ maxLineBytes: 64 * 1024 * 1024, scanAboveBytes: 1024, stream: () => true });
    const piece = Buffer.alloc(64 * 1024, 0x61);
    let passedOn = 0;
    const count = (frames: Frame[]): Frame[] => {
      for (const frame of frames) if (frame.kind === 'stream') passedOn += frame.chunks.reduce((sum, chunk) => sum + chunk.length, 0);
      return frames;
    };
    count(splitter.push(Buffer.from('{"jsonrpc":"2.0","id":9,"result":{"text":"')));
    for (let i = 0; i < 300; i += 1) count(splitter.push(piece));
    const last = count(splitter.push(Buffer.from('"}}\n')));
    expect(last.at(-1)).toMatchObject({ kind: 'streamed', cut: false, envelope: { wellFormed: true, id: 9, hasResult: true } });
    expect(passedOn).toBe(42 + 300 * piece.length + 3);
    expect((splitter as unknown as { chunks: Buffer[] }).chunks).toHaveLength(0);
  });
});
