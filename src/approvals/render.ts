/**
 * The arguments of a call as a person reads them when asked to approve it: in the elicitation
 * message and in `policy-wrap approvals` / `approve`. One line, JSON-like (`{"path": "/tmp/a",
 * "force": true}`), never the exact arguments (the digest identifies them):
 * - a string value longer than MAX_STRING_CHARS is cut there and ends with `…`;
 * - the value of a member whose name contains token, secret, password, passwd, api_key (apikey,
 *   api-key), authorization, cookie or private_key (private-key, privatekey), in any case, is
 *   `[hidden]`, whatever it is;
 * - objects and arrays nested deeper than MAX_DEPTH levels (the arguments object is level 1) are
 *   `{…}` and `[…]`;
 * - the whole is at most MAX_RENDERING_CHARS characters (or the cap given), the last ones being
 *   `… (N more characters)`;
 * - nothing in it can move a terminal's cursor or start a new line: control characters (C0, DEL
 *   and C1, U+0085 among them), U+2028, U+2029 and the bidirectional overrides and isolates
 *   (U+202A–U+202E, U+2066–U+2069) are written as `\uXXXX` escapes, in names and values alike.
 */

/** The longest rendering, in UTF-16 code units, the ending `… (N more characters)` included. */
export const MAX_RENDERING_CHARS = 2000;
/** Strings longer than this are shortened. */
export const MAX_STRING_CHARS = 120;
/** Objects and arrays deeper than this are elided. */
export const MAX_DEPTH = 4;

const secretName = /token|secret|password|passwd|api[_-]?key|authorization|cookie|private[_-]?key/i;
const unsafe = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function renderArguments(args: unknown, capChars: number = MAX_RENDERING_CHARS): string {
  const full = render(args, 1);
  if (full.length <= capChars) return full;
  // The ending's length depends on N, which depends on how much is kept: settle it in two steps.
  let keep = Math.max(0, capChars - ending(full.length).length);
  keep = Math.max(0, capChars - ending(full.length - keep).length);
  if (keep > 0 && isHighSurrogate(full.charCodeAt(keep - 1))) keep -= 1;
  return full.slice(0, keep) + ending(full.length - keep);
}

function ending(more: number): string {
  return `… (${more} more character${more === 1 ? '' : 's'})`;
}

function render(value: unknown, depth: number): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return quoted(shortened(value));
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (depth > MAX_DEPTH) return '[…]';
    return `[${value.map((item) => render(item, depth + 1)).join(', ')}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    if (depth > MAX_DEPTH) return '{…}';
    return `{${entries.map(([name, member]) => `${quoted(name)}: ${secretName.test(name) ? '[hidden]' : render(member, depth + 1)}`).join(', ')}}`;
  }
  return quoted(shortened(String(value)));
}

function shortened(text: string): string {
  if (text.length <= MAX_STRING_CHARS) return text;
  let keep = MAX_STRING_CHARS;
  if (isHighSurrogate(text.charCodeAt(keep - 1))) keep -= 1;
  return `${text.slice(0, keep)}…`;
}

/** JSON's quoting, then every character a terminal could act on as an escape. */
function quoted(text: string): string {
  return JSON.stringify(text).replace(unsafe, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
