/**
 * Numbers as every reader reads them. The wrapper judges a number as the IEEE double JSON.parse
 * makes of it; a server may read an integer exactly (Python's int, Go's int64, a BigInt). Where
 * the two differ, the wrapper would judge one value and the server act on another.
 */

/** Integers with this many digits or fewer are exact as doubles. */
const SAFE_DIGITS = 15;

/**
 * Why a number, as written, may not be judged: an integer that no double holds exactly, or a
 * value too large for a double (read as ±Infinity). Undefined when every reader agrees on it.
 * Fractions and exponents are read as doubles by every common reader, so only their range matters.
 */
export function numberProblem(text: string): string | undefined {
  const value = Number(text);
  if (!Number.isFinite(value)) return `the number ${preview(text)} is too large to be read as a double`;
  if (isPlainInteger(text) && digitCount(text) > SAFE_DIGITS && BigInt(text) !== BigInt(value)) {
    return `the integer ${preview(text)} is beyond double precision (it would be judged as ${BigInt(value)})`;
  }
  return undefined;
}

/**
 * Whether a JSON number is written the way JSON.stringify writes the double it reads as, so that an
 * answer naming it (an id) carries exactly the client's digits: `7` and `1.5`, not `1.0`, `1e3`
 * or `9007199254740993`.
 */
export function isCanonicalNumber(text: string): boolean {
  const value = Number(text);
  return Number.isFinite(value) && JSON.stringify(value) === text;
}

function isPlainInteger(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code === 0x2e || code === 0x65 || code === 0x45) return false;
  }
  return true;
}

function digitCount(text: string): number {
  return text.charCodeAt(0) === 0x2d ? text.length - 1 : text.length;
}

function preview(text: string): string {
  return text.length > 40 ? `${text.slice(0, 20)}…${text.slice(-10)}` : text;
}
