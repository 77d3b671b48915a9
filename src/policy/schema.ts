import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { AnySchemaObject, ValidateFunction } from 'ajv';

/** The published contract: schemas/policy.schema.json, beside src/ and dist/ in the package. */
export const policySchemaUrl = new URL('../../schemas/policy.schema.json', import.meta.url);
export const policySchemaId = 'https://policy-wrap.dev/schemas/policy-1.json';

let validator: ValidateFunction | undefined;

export function readPolicySchema(): AnySchemaObject {
  return JSON.parse(readPolicySchemaText()) as AnySchemaObject;
}

function readPolicySchemaText(): string {
  return readFileSync(policySchemaUrl, 'utf8');
}

/**
 * Made on first use, then shared: `verbose` gives each error its schema, for "did you mean". The
 * build precompiles it (scripts/build-validators.js, same options); that code is used only
 * while it was made from the schema as it is now, else the schema is compiled here, as from src/.
 */
export function policyValidator(): ValidateFunction {
  if (validator) return validator;
  const text = readPolicySchemaText();
  validator = precompiledValidator(text) ?? new Ajv2020({ allErrors: true, verbose: true, strict: true, logger: false }).compile(JSON.parse(text) as AnySchemaObject);
  return validator;
}

type PrecompiledValidator = ValidateFunction & { schemaSha256?: string };

/** dist/policy/policy-validator.cjs, if the build made one from this very schema text. */
function precompiledValidator(schemaText: string): ValidateFunction | undefined {
  let generated: PrecompiledValidator;
  try {
    // ../policy/: the same file from dist/policy/ and from the bundle in dist/bundle/.
    generated = createRequire(import.meta.url)('../policy/policy-validator.cjs') as PrecompiledValidator;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
  return generated.schemaSha256 === createHash('sha256').update(schemaText).digest('hex') ? generated : undefined;
}
