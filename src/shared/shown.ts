/**
 * Values the client or the server supplied (a method, a tool name, an id, a line the server
 * printed), as a log line shows them: in their JSON form, cut short, with nothing that could end
 * the line or change how it reads. JSON.stringify escapes `\n`, `\r` and the other C0 controls but
 * leaves raw the characters some readers also end a line at (U+0085, U+2028, U+2029), the C1
 * controls terminals act on, and the bidirectional controls that reorder what a person sees;
 * those are written as `\u` escapes too. So a supplied value never starts a line of its own.
 */

/** How much of a supplied value a log line shows unless told otherwise. */
export const SHOWN_CHARS = 200;

/** The JSON form of `value`, at most `maxChars` characters of it (then followed by `…`), one line. */
export function shown(value: unknown, maxChars = SHOWN_CHARS): string {
  if (typeof value === 'string') {
    const cut = value.length > maxChars;
    return `${escapeUnshowable(JSON.stringify(cut ? prefixOf(value, maxChars) : value))}${cut ? '…' : ''}`;
  }
  const text = escapeUnshowable(JSON.stringify(value) ?? String(value));
  return text.length > maxChars ? `${prefixOf(text, maxChars)}…` : text;
}

/**
 * Text the wrapper composed that may hold supplied parts (the message of an error), as one line:
 * not quoted, but every line boundary and control character escaped, and cut short.
 */
export function oneLine(text: string, maxChars = 1_000): string {
  const cut = text.length > maxChars;
  return `${escapeUnshowable(cut ? prefixOf(text, maxChars) : text)}${cut ? '…' : ''}`;
}

/** The first `maxChars` UTF-16 code units of `text`, without splitting a surrogate pair. */
export function prefixOf(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const last = text.charCodeAt(maxChars - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? maxChars - 1 : maxChars);
}

/** C0 controls but tab, DEL, C1 controls, U+2028, U+2029, and the bidirectional controls. */
const UNSHOWABLE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeUnshowable(text: string): string {
  return text.replace(UNSHOWABLE, (char) => {
    if (char === '\n') return '\\n';
    if (char === '\r') return '\\r';
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}
