import { ArgumentSchemaCompiler } from '../../../src/policy/argument-schemas.js';

describe('ArgumentSchemaCompiler', () => {
  const limit = { type: 'object', properties: { limit: { type: 'integer', maximum: 500 } }, additionalProperties: false };

  test('a schema written twice is compiled once: both rules get the same check', () => {
    const compiler = new ArgumentSchemaCompiler();
    const first = compiler.compile(limit);
    expect(compiler.compile(JSON.parse(JSON.stringify(limit)) as unknown)).toBe(first);
    expect(first({ limit: 10 })).toEqual([]);
    expect(first({ limit: 501, extra: 1 })).toEqual(expect.arrayContaining([expect.stringContaining('must be <= 500')]));
  });

  test('schemas that differ, even only in the order of their members, get checks of their own', () => {
    const compiler = new ArgumentSchemaCompiler();
    const reordered = { additionalProperties: false, properties: limit.properties, type: 'object' };
    expect(compiler.compile(reordered)).not.toBe(compiler.compile(limit));
    expect(compiler.compile({ ...limit, required: ['limit'] })).not.toBe(compiler.compile(limit));
  });

  test('a schema that does not compile throws each time it is given', () => {
    const compiler = new ArgumentSchemaCompiler();
    const typo = { type: 'object', properties: { q: { type: 'string', maxLenght: 3 } } };
    expect(() => compiler.compile(typo)).toThrow(/maxLenght/);
    expect(() => compiler.compile(typo)).toThrow(/maxLenght/);
  });
});
