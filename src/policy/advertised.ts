import { createRequire } from 'node:module';
import { Ajv, type AnySchemaObject, type Options, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { checkWith, type ArgumentsCheck } from './argument-schemas.js';
import { linearRegExp, UnsupportedPatternError } from './linear-regexp.js';

/**
 * What can be checked against a tool's inputSchema as the server advertised it. A schema that
 * cannot be compiled means the call cannot be checked, which `input_schema: "enforce"` refuses.
 */
export type AdvertisedSchemaCheck = { ok: true; check: ArgumentsCheck } | { ok: false; problem: string };

export interface AdvertisedTool {
  name: string;
  inputSchema?: unknown;
}

/**
 * Tolerant of what servers send: unknown keywords and formats are ignored, and the dialect named
 * by `$schema` is honoured (2020-12 when absent, 2019-09, draft-07, draft-06). Patterns run in
 * linear time, whatever the server wrote.
 */
const options: Options = {
  allErrors: true,
  strict: false,
  addUsedSchema: false,
  logger: false,
  validateSchema: true,
  code: { regExp: linearRegExp },
};

type Dialect = '2020-12' | '2019-09' | 'draft-07' | 'draft-06';

/**
 * Compiles advertised schemas, one Ajv instance per dialect, made on first use: making one costs
 * tens of milliseconds (it compiles its meta-schemas), compiling a tool's schema with it about one.
 * Keep one compiler for a session, so that each tool's first call does not pay for a new instance.
 */
export class AdvertisedSchemaCompiler {
  private readonly instances = new Map<Dialect, Ajv>();

  compile(tools: readonly AdvertisedTool[]): Map<string, AdvertisedSchemaCheck> {
    const checks = new Map<string, AdvertisedSchemaCheck>();
    for (const tool of tools) checks.set(tool.name, compileOne(tool.inputSchema, (dialect) => this.instance(dialect)));
    return checks;
  }

  private instance(dialect: Dialect): Ajv {
    let ajv = this.instances.get(dialect);
    if (ajv === undefined) {
      ajv = createAjv(dialect);
      this.instances.set(dialect, ajv);
    }
    return ajv;
  }
}

export function compileAdvertisedSchemas(tools: readonly AdvertisedTool[]): Map<string, AdvertisedSchemaCheck> {
  return new AdvertisedSchemaCompiler().compile(tools);
}

function compileOne(schema: unknown, instance: (dialect: Dialect) => Ajv): AdvertisedSchemaCheck {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    return { ok: false, problem: 'the server advertised no usable inputSchema for it' };
  }
  const declared = (schema as { $schema?: unknown }).$schema;
  const dialect = dialectOf(declared);
  if (dialect === undefined) {
    return { ok: false, problem: `its inputSchema is written for ${JSON.stringify(declared)}, a JSON Schema version policy-wrap cannot check` };
  }
  const ajv = instance(dialect);
  try {
    if (dialect === '2020-12') checkAgainstMetaSchema(ajv, schema);
    return { ok: true, check: checkWith(ajv.compile(schema)) };
  } catch (error) {
    if (error instanceof UnsupportedPatternError) return { ok: false, problem: `its inputSchema's pattern ${error.message}` };
    return { ok: false, problem: `its inputSchema does not compile (${error instanceof Error ? error.message : String(error)})` };
  } finally {
    // The compiled check is kept by the caller; Ajv's own cache would keep every schema ever seen.
    // Not for a schema with an $id: removing it removes that id, which could be a meta-schema's.
    if (!('$id' in schema)) ajv.removeSchema(schema as AnySchemaObject);
  }
}

function dialectOf(declared: unknown): Dialect | undefined {
  if (declared === undefined) return '2020-12';
  if (typeof declared !== 'string') return undefined;
  if (/json-schema\.org\/draft\/2020-12\/schema/.test(declared)) return '2020-12';
  if (/json-schema\.org\/draft\/2019-09\/schema/.test(declared)) return '2019-09';
  if (/json-schema\.org\/draft-07\/schema/.test(declared)) return 'draft-07';
  if (/json-schema\.org\/draft-06\/schema/.test(declared)) return 'draft-06';
  return undefined;
}

/**
 * The 2020-12 meta-schema, as the build precompiled it (scripts/build-validators.js, with these
 * options); undefined where there is none (run from src/), and Ajv compiles it at first use.
 */
let metaSchema2020: ValidateFunction | null | undefined;

function precompiledMetaSchema2020(): ValidateFunction | undefined {
  if (metaSchema2020 === undefined) {
    try {
      // ../policy/: the same file from dist/policy/ and from the bundle in dist/bundle/.
      metaSchema2020 = createRequire(import.meta.url)('../policy/meta-schema-2020-validator.cjs') as ValidateFunction;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'MODULE_NOT_FOUND') throw error;
      metaSchema2020 = null;
    }
  }
  return metaSchema2020 ?? undefined;
}

/** What Ajv's own validateSchema does for a 2020-12 schema, with the precompiled meta-schema. */
function checkAgainstMetaSchema(ajv: Ajv, schema: object): void {
  const validate = precompiledMetaSchema2020();
  if (validate === undefined || validate(schema)) return;
  throw new Error(`schema is invalid: ${ajv.errorsText(validate.errors)}`);
}

function createAjv(dialect: Dialect): Ajv {
  switch (dialect) {
    case '2020-12':
      // Compiling the meta-schema was most of a session's first checked call (about 50 ms).
      return new Ajv2020(precompiledMetaSchema2020() === undefined ? options : { ...options, validateSchema: false });
    case '2019-09':
      return new Ajv2019(options);
    case 'draft-07':
      return new Ajv(options);
    case 'draft-06': {
      const ajv = new Ajv(options);
      ajv.addMetaSchema(createRequire(import.meta.url)('ajv/dist/refs/json-schema-draft-06.json') as AnySchemaObject);
      return ajv;
    }
  }
}
