import type { Readable, Writable } from 'node:stream';

const NEWLINE = Buffer.from('\n');
/** Lines up to this size get their newline in the same buffer; a longer one is not worth copying. */
const JOIN_NEWLINE_BELOW_BYTES = 64 * 1024;

/**
 * The reading side of one direction. While a stream it writes to is full, reading pauses, so a
 * slow reader slows the writer instead of growing memory.
 */
export class Flow {
  private readonly full = new Set<Writable>();
  private stopped = false;

  constructor(private readonly source: Readable) {}

  /** `sink.write` returned false: read no more until it drains (or closes). */
  hold(sink: Writable): void {
    if (this.full.has(sink)) return;
    this.full.add(sink);
    this.source.pause();
    const release = (): void => {
      sink.off('drain', release);
      sink.off('close', release);
      this.full.delete(sink);
      if (this.full.size === 0 && !this.stopped) this.source.resume();
    };
    sink.on('drain', release);
    sink.on('close', release);
  }

  stop(): void {
    this.stopped = true;
    this.source.pause();
  }
}

/** A stream the relay writes protocol lines to. Write errors are reported, never thrown. */
export class Outlet {
  private failed = false;
  private corked = false;

  constructor(
    readonly stream: Writable,
    onError: (error: Error) => void,
  ) {
    stream.on('error', (error: Error) => {
      const first = !this.failed;
      this.failed = true;
      if (first) onError(error);
    });
  }

  get writable(): boolean {
    return !this.failed && !this.stream.writableEnded && !this.stream.destroyed;
  }

  /**
   * Writes `bytes` and a newline. False when the stream is closed and nothing was written;
   * `undelivered` is called if the write fails afterwards. `flow` is the direction to slow down.
   */
  writeLine(bytes: Buffer, flow: Flow | undefined, undelivered?: () => void): boolean {
    if (!this.writable) return false;
    const done = undelivered && ((error?: Error | null) => error && undelivered());
    let ok: boolean;
    if (bytes[bytes.length - 1] === 0x0a) ok = this.stream.write(bytes, done);
    else if (bytes.length < JOIN_NEWLINE_BELOW_BYTES) ok = this.stream.write(withNewline(bytes), done);
    else {
      this.stream.write(bytes);
      ok = this.stream.write(NEWLINE, done);
    }
    if (!ok) flow?.hold(this.stream);
    return true;
  }

  /** Writes a line that came as `chunks` (without its newline) and a newline, without joining them. */
  writeChunks(chunks: readonly Buffer[], flow: Flow | undefined): boolean {
    if (!this.writable) return false;
    const stream = this.stream;
    stream.cork();
    for (const chunk of chunks) stream.write(chunk);
    const ok = stream.write(NEWLINE);
    stream.uncork();
    if (!ok) flow?.hold(stream);
    return true;
  }

  /**
   * Holds writes back until `release`, so the lines written while one input chunk is handled leave
   * in one system call instead of one each. Backpressure is unchanged: `write` still reports a full
   * stream while corked.
   */
  cork(): void {
    if (this.corked || !this.writable) return;
    this.corked = true;
    this.stream.cork();
  }

  uncork(): void {
    if (!this.corked) return;
    this.corked = false;
    // end() flushes a corked stream itself.
    if (this.stream.writableCorked > 0) this.stream.uncork();
  }

  end(): void {
    if (this.writable) this.stream.end();
  }
}

function withNewline(bytes: Buffer): Buffer {
  const line = Buffer.allocUnsafe(bytes.length + 1);
  bytes.copy(line, 0);
  line[bytes.length] = 0x0a;
  return line;
}
