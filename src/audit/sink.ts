import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';

/** Where audit records go: one JSON object per line, appended. */
export interface AuditSink {
  write(record: Record<string, unknown>): void;
  close(): Promise<void>;
}

/** `-` means the given fallback stream (stderr); anything else is a file opened for appending. */
export function openAuditSink(target: string, stderr: Writable): AuditSink {
  if (target === '-') return streamSink(stderr, false);
  mkdirSync(dirname(target), { recursive: true });
  const file = createWriteStream(target, { flags: 'a' });
  // An audit file that cannot be written must not take the relay down; it is reported once.
  let reported = false;
  file.on('error', (error) => {
    if (reported) return;
    reported = true;
    stderr.write(`policy-wrap: audit log ${target} cannot be written: ${error.message}\n`);
  });
  return streamSink(file, true);
}

/**
 * Records are serialized at once but written together once the current turn of the event loop is
 * done: a chunk of 32 answers costs one write, not 32.
 */
function streamSink(stream: Writable, owned: boolean): AuditSink {
  let pending: string[] = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = pending.length === 1 ? pending[0]! : pending.join('');
    pending = [];
    if (stream.writable) stream.write(text);
  };
  return {
    write(record) {
      if (!stream.writable) return;
      pending.push(`${JSON.stringify(record)}\n`);
      if (scheduled) return;
      scheduled = true;
      process.nextTick(flush);
    },
    close() {
      flush();
      if (!owned) return Promise.resolve();
      return new Promise((resolve) => stream.end(resolve));
    },
  };
}

export const noAuditSink: AuditSink = { write: () => undefined, close: () => Promise.resolve() };
