import { isCanonicalNumber, numberProblem } from '../../../src/proxy/numbers.js';

describe('numberProblem', () => {
  test.each(['0', '-1', '1.0', '-0.0', '0.1', '1e300', '9007199254740993.5', '123456789012345', '9007199254740992', '1152921504606846976', '1e-400'])(
    '%s is read alike by every reader',
    (text) => expect(numberProblem(text)).toBeUndefined(),
  );

  test.each([
    ['1234567890123456789', /beyond double precision/],
    ['9007199254740993', /beyond double precision/],
    ['-9007199254740993', /beyond double precision/],
    ['1e400', /too large/],
    ['-1E+400', /too large/],
    ['1'.repeat(400), /too large/],
  ])('%s is refused', (text, reason) => expect(numberProblem(text)).toMatch(reason));
});

describe('isCanonicalNumber', () => {
  test.each(['0', '7', '-3', '1.5', '9007199254740991'])('%s is echoed as written', (text) => expect(isCanonicalNumber(text)).toBe(true));
  test.each(['1.0', '-0', '1e3', '9007199254740993', '1e400', '007'.slice(1)])('%s is not', (text) => expect(isCanonicalNumber(text)).toBe(false));
});
