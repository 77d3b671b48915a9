import type { Readable } from 'node:stream';

export type Message = Record<string, any>;

/**
 * Collects the newline-delimited lines a stream carries, so a test can wait for the next one or for
 * one that matches. Fails with what it has seen instead of hanging when the stream ends first.
 */
export class LineReader {
  readonly lines: string[] = [];
  private cursor = 0;
  private readonly parsed: (Message | undefined)[] = [];
  private partial: Buffer[] = [];
  private ended = false;
  private wake: (() => void)[] = [];

  constructor(stream: Readable) {
    stream.on('data', (chunk: Buffer) => {
      let start = 0;
      for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, start)) {
        this.partial.push(chunk.subarray(start, newline));
        this.lines.push(Buffer.concat(this.partial).toString('utf8'));
        this.partial = [];
        start = newline + 1;
      }
      if (start < chunk.length) this.partial.push(chunk.subarray(start));
      this.notify();
    });
    stream.on('end', () => {
      this.ended = true;
      this.notify();
    });
  }

  /** The next line not yet taken by next(). */
  async next(): Promise<string> {
    await this.until(() => this.cursor < this.lines.length, 'another line');
    return this.lines[this.cursor++]!;
  }

  async nextMessage(): Promise<Message> {
    return JSON.parse(await this.next()) as Message;
  }

  /** The first message (seen or to come) that matches; does not move next()'s cursor. */
  async find(predicate: (message: Message) => boolean, what = 'a matching message'): Promise<Message> {
    let found: Message | undefined;
    await this.until(() => {
      found = this.messages().find(predicate);
      return found !== undefined;
    }, what);
    return found!;
  }

  /** The message answering `id`. */
  response(id: unknown): Promise<Message> {
    return this.find((message) => message.id === id && !('method' in message), `the response to id ${JSON.stringify(id)}`);
  }

  /** Every line seen so far that parses as JSON (each line is parsed once). */
  messages(): Message[] {
    for (let i = this.parsed.length; i < this.lines.length; i += 1) {
      try {
        this.parsed.push(JSON.parse(this.lines[i]!) as Message);
      } catch {
        this.parsed.push(undefined);
      }
    }
    return this.parsed.filter((message): message is Message => message !== undefined);
  }

  /** Resolves when the stream has ended. */
  async end(): Promise<void> {
    await this.until(() => this.ended, 'the end of the stream', true);
  }

  private async until(done: () => boolean, what: string, endIsFine = false): Promise<void> {
    while (!done()) {
      if (this.ended && !endIsFine) {
        throw new Error(`stream ended while waiting for ${what}; lines seen:\n${this.lines.join('\n').slice(0, 4000)}`);
      }
      await new Promise<void>((resolve) => this.wake.push(resolve));
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = [];
    for (const resolve of wake) resolve();
  }
}
