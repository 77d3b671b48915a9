import { randomBytes } from 'node:crypto';

/**
 * Approval codes: 8 characters of Crockford's base32 (digits and capitals without I, L, O and U),
 * shown as two groups of four, `K7PQ-2M9D`: 40 random bits, easy to read aloud and to type. A typed
 * code is read in any case, with or without the dash (or spaces), and, as Crockford's alphabet
 * intends, I and L as 1 and O as 0.
 */
export const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const codeLength = 8;

/** A fresh code from crypto randomness, in its shown form. Uniqueness is the store's job. */
export function newApprovalCode(): string {
  const bytes = randomBytes(codeLength);
  let code = '';
  for (const byte of bytes) code += CODE_ALPHABET[byte & 31];
  return shown(code);
}

/** The code someone typed in its shown form (`k7pq2m9d` -> `K7PQ-2M9D`), or undefined when it cannot be one. */
export function normalizeApprovalCode(typed: string): string | undefined {
  const compact = typed
    .trim()
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
  if (compact.length !== codeLength || [...compact].some((char) => !CODE_ALPHABET.includes(char))) return undefined;
  return shown(compact);
}

function shown(compact: string): string {
  return `${compact.slice(0, 4)}-${compact.slice(4)}`;
}
