import { CODE_ALPHABET, newApprovalCode, normalizeApprovalCode } from '../../../src/approvals/codes.js';

describe('approval codes', () => {
  test('eight characters of Crockford base32, shown as XXXX-XXXX', () => {
    expect(CODE_ALPHABET).toBe('0123456789ABCDEFGHJKMNPQRSTVWXYZ');
    const codes = Array.from({ length: 200 }, newApprovalCode);
    for (const code of codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(new Set(codes).size).toBe(200);
  });

  test('typed in any case, with or without the dash; I, L and O read as 1, 1 and 0', () => {
    expect(normalizeApprovalCode('k7pq-2m9d')).toBe('K7PQ-2M9D');
    expect(normalizeApprovalCode('K7PQ2M9D')).toBe('K7PQ-2M9D');
    expect(normalizeApprovalCode(' k7pq 2m9d ')).toBe('K7PQ-2M9D');
    expect(normalizeApprovalCode('lIoO-0000')).toBe('1100-0000');
  });

  test('anything else is not a code', () => {
    for (const typed of ['', 'K7PQ-2M9', 'K7PQ-2M9DX', 'K7PQ-2M9U', 'K7PQ_2M9D', '../../etc']) expect(normalizeApprovalCode(typed)).toBeUndefined();
  });
});
