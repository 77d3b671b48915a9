/**
 * Member names as a reader that ignores case sees them. Go's `encoding/json` (and decoders built
 * like it) match a name to a field case-insensitively, with Unicode folding (`ſ` reads as `s`, the
 * Kelvin sign as `k`), and the last match wins. Two names that fold alike in one object are two
 * readings of one message, so such a message is never forwarded.
 *
 * The fold here is coarser than Go's, never finer: compatibility decomposition, then lower, upper
 * and lower case again, with lone surrogates read as U+FFFD as Go decodes them. Every pair Go
 * confuses is confused here too; a few pairs Go tells apart (`ß` and `ss`) are confused as well,
 * which only refuses more.
 */
export function foldName(name: string): string {
  if (isAscii(name)) return name.toLowerCase();
  return withoutLoneSurrogates(name).normalize('NFKD').toLowerCase().toUpperCase().toLowerCase();
}

const NON_ASCII = /[^\x00-\x7f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function isAscii(text: string): boolean {
  return !NON_ASCII.test(text);
}

function withoutLoneSurrogates(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd');
}

/** Names spelled exactly so, keyed by their fold: a name that folds to one of them but differs is refused. */
function byFold(names: string[]): ReadonlyMap<string, string> {
  return new Map(names.map((name) => [foldName(name), name]));
}

/** The JSON-RPC envelope's members. */
export const ENVELOPE_MEMBERS = byFold(['jsonrpc', 'id', 'method', 'params', 'result', 'error']);
/** Members of `params` the wrapper reads or judges (`tools/call`, `prompts/get`, cancellations). */
export const PARAMS_MEMBERS = byFold(['name', 'arguments', '_meta', 'task', 'uri', 'requestId', 'cursor']);
