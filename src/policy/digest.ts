import * as crypto from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** The one-shot `crypto.hash` (Node 20.12 and later) where there is one: a third of the cost. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string) => string }).hash;

/** Hex SHA-256 of the UTF-8 of `text`. */
export const sha256Hex = oneShot ? (text: string): string => oneShot('sha256', text) : (text: string): string => crypto.createHash('sha256').update(text).digest('hex');

/**
 * `sha256:` and the hex digest of a value's canonical JSON: equal values (keys in any order) give
 * equal digests, and the value itself cannot be read back from it. For values from JSON.parse.
 */
export function canonicalDigest(value: unknown): string {
  return `sha256:${sha256Hex(canonicalJson(value))}`;
}
