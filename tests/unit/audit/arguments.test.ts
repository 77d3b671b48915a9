import { summarizeArguments } from '../../../src/audit/arguments.js';

describe('summarizeArguments', () => {
  test('keys sorted, and a digest of the arguments with their keys sorted at every depth', () => {
    const args = JSON.parse('{"zeta":[3,{"b":"x\\"\\\\y","a":null}],"alpha":"é😀\\n","n":-0.5e-7,"t":true}') as Record<string, unknown>;
    // The digest is part of the audit log's format: the same arguments give the same digest in
    // every version, so logs written by different versions can be compared.
    expect(summarizeArguments(args)).toEqual({
      argumentKeys: ['alpha', 'n', 't', 'zeta'],
      argumentsDigest: 'sha256:f76cb209c8a5f7c124a1546b0686cb3bd79d160518d3b2ad4152a5a310c8c206',
    });
  });

  test('the order keys came in does not change the digest; missing arguments digest as null', () => {
    const digest = (text: string): string => summarizeArguments(JSON.parse(text)).argumentsDigest;
    expect(digest('{"a":1,"b":{"d":[1,2],"c":"x"}}')).toBe(digest('{"b":{"c":"x","d":[1,2]},"a":1}'));
    expect(digest('{"a":[1,2]}')).not.toBe(digest('{"a":[2,1]}'));
    expect(summarizeArguments(undefined)).toEqual({ argumentKeys: [], argumentsDigest: summarizeArguments(null).argumentsDigest });
  });
});
