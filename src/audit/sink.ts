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

function streamSink(stream: Writable, owned: boolean): AuditSink {
  return {
    write(record) {
      if (!stream.writable) return;
      stream.write(`${JSON.stringify(record)}\n`);
    },
    close() {
      if (!owned) return Promise.resolve();
      return new Promise((resolve) => stream.end(resolve));
    },
  };
}

export const noAuditSink: AuditSink = { write: () => undefined, close: () => Promise.resolve() };
