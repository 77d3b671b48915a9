import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { AnySchemaObject, ValidateFunction } from 'ajv';

/** The published contract: schemas/policy.schema.json, beside src/ and dist/ in the package. */
export const policySchemaUrl = new URL('../../schemas/policy.schema.json', import.meta.url);
export const policySchemaId = 'https://policy-wrap.dev/schemas/policy-1.json';

let validator: ValidateFunction | undefined;

export function readPolicySchema(): AnySchemaObject {
  return JSON.parse(readFileSync(policySchemaUrl, 'utf8')) as AnySchemaObject;
}

/** Compiled on first use, then shared: `verbose` gives each error its schema, for "did you mean". */
export function policyValidator(): ValidateFunction {
  validator ??= new Ajv2020({ allErrors: true, verbose: true, strict: true, logger: false }).compile(readPolicySchema());
  return validator;
}
