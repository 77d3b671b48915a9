import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { policySchemaId, readPolicySchema } from '../../../src/policy/index.js';

describe('schemas/policy.schema.json', () => {
  const schema = readPolicySchema();

  test('is a valid JSON Schema 2020-12', () => {
    const ajv = new Ajv2020({ allErrors: true });
    expect(ajv.validateSchema(schema)).toBe(true);
    expect(ajv.errors ?? null).toBeNull();
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  test('has a stable $id', () => {
    expect(schema.$id).toBe('https://policy-wrap.dev/schemas/policy-1.json');
    expect(policySchemaId).toBe(schema.$id);
  });

  test('accepts the documented example, as an editor validating through "$schema" would', () => {
    const validate = new Ajv2020({ allErrors: true }).compile(schema);
    const example = JSON.parse(readFileSync('tests/fixtures/policies/valid/trakt-example.json', 'utf8'));
    expect(validate(example)).toBe(true);
    expect(validate({ ...example, $schema: policySchemaId })).toBe(true);
  });

  test('rejects what the loader reports as unknown fields and bad values', () => {
    const validate = new Ajv2020({ allErrors: true }).compile(schema);
    expect(validate({ version: '1', default: 'deny', tools: { x: { limit: [] } } })).toBe(false);
    expect(validate({ version: '1', default: 'deny', limits: [{ window: 0, max: 1 }] })).toBe(false);
    expect(validate({ version: '1', default: 'deny', limits: [{ window: 'week', max: 1 }] })).toBe(false);
    expect(validate({ version: '1', default: 'deny', limits: [{ window: 3600, max: 1, per: 'arguments.a.b' }] })).toBe(true);
  });
});
