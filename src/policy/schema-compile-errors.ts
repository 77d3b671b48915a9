import { UnsupportedPatternError } from './linear-regexp.js';
import { pointerOf } from './pointer.js';
import { didYouMean } from './suggest.js';

/** Keywords of JSON Schema 2020-12, for "did you mean" on a misspelt one. */
const keywords = [
  '$id', '$schema', '$ref', '$anchor', '$dynamicRef', '$dynamicAnchor', '$vocabulary', '$comment', '$defs',
  'allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else', 'dependentSchemas', 'prefixItems', 'items', 'contains',
  'properties', 'patternProperties', 'additionalProperties', 'propertyNames', 'unevaluatedItems', 'unevaluatedProperties',
  'type', 'enum', 'const', 'multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength',
  'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'maxContains', 'minContains', 'maxProperties',
  'minProperties', 'required', 'dependentRequired', 'format', 'title', 'description', 'default', 'deprecated',
  'readOnly', 'writeOnly', 'examples', 'contentEncoding', 'contentMediaType', 'contentSchema',
];

/** The formats ajv-formats checks, for "did you mean" on a misspelt one. */
const KNOWN_FORMATS = [
  'date', 'time', 'date-time', 'iso-time', 'iso-date-time', 'duration', 'uri', 'uri-reference', 'uri-template', 'url',
  'email', 'hostname', 'ipv4', 'ipv6', 'regex', 'uuid', 'json-pointer', 'json-pointer-uri-fragment',
  'relative-json-pointer', 'byte', 'int32', 'int64', 'float', 'double', 'password', 'binary',
];

export interface SchemaCompileProblem {
  /** A pattern valid in JavaScript that linear-time matching cannot run has a code of its own. */
  code: 'policy.bad-arguments-schema' | 'policy.unsupported-pattern';
  /** Pointer relative to the schema ('' for the schema itself). */
  at: string;
  part: 'key' | 'value';
  message: string;
}

/** Turns Ajv's compile error for a user schema into a message and the place in the schema it is about. */
export function describeSchemaCompileError(schema: unknown, error: unknown): SchemaCompileProblem {
  if (error instanceof UnsupportedPatternError) return describeUnsupportedPattern(schema, error);
  return { code: 'policy.bad-arguments-schema', ...describeInvalidSchema(schema, error) };
}

function describeUnsupportedPattern(schema: unknown, error: UnsupportedPatternError): SchemaCompileProblem {
  const advice = 'patterns are matched in linear time: no backreferences, no lookaround, repetition counts up to 1000';
  const keyword = findKey(schema, (key, value) => key === 'pattern' && value === error.pattern);
  if (keyword !== undefined) return { code: 'policy.unsupported-pattern', at: keyword, part: 'value', message: `"pattern" ${error.message}; ${advice}` };
  const holder = findKey(schema, (key, value) => key === 'patternProperties' && typeof value === 'object' && value !== null && Object.hasOwn(value, error.pattern));
  return {
    code: 'policy.unsupported-pattern',
    at: holder === undefined ? '' : `${holder}${pointerOf(error.pattern)}`,
    part: 'key',
    message: `"patternProperties" key ${error.message}; ${advice}`,
  };
}

function describeInvalidSchema(schema: unknown, error: unknown): Omit<SchemaCompileProblem, 'code'> {
  const text = error instanceof Error ? error.message : String(error);
  const unknownKeyword = /^strict mode: unknown keyword: "(.*)"$/.exec(text);
  if (unknownKeyword) {
    const keyword = unknownKeyword[1] as string;
    return {
      at: findKey(schema, (key) => key === keyword) ?? '',
      part: 'key',
      message: `unknown keyword ${JSON.stringify(keyword)} in the arguments schema${didYouMean(keyword, keywords)}`,
    };
  }
  const unknownFormat = /^unknown format "(.*)" ignored in schema at path "#(.*)"$/.exec(text);
  if (unknownFormat) {
    return {
      at: `${unknownFormat[2] ?? ''}/format`,
      part: 'value',
      message: `unknown format ${JSON.stringify(unknownFormat[1])}${didYouMean(unknownFormat[1] ?? '', KNOWN_FORMATS)}; the formats of JSON Schema are checked (uri, email, date-time, uuid, ipv4, …), anything else needs "pattern"`,
    };
  }
  if (error instanceof SyntaxError && /regular expression/i.test(text)) {
    return { at: findKey(schema, (key, value) => key === 'pattern' && typeof value === 'string' && !compiles(value)) ?? '', part: 'value', message: `bad "pattern": ${text}` };
  }
  if (typeof (error as { missingRef?: unknown }).missingRef === 'string') {
    const ref = (error as { missingRef: string }).missingRef;
    return {
      at: findKey(schema, (key, value) => key === '$ref' && typeof value === 'string' && ref.endsWith(value)) ?? '',
      part: 'value',
      message: `"$ref" ${JSON.stringify(ref)} does not resolve; an arguments schema can only refer inside itself (#/$defs/...)`,
    };
  }
  if (/^no schema with key or ref "(.*)"$/.test(text) && findKey(schema, (key) => key === '$schema') !== undefined) {
    return {
      at: findKey(schema, (key) => key === '$schema') ?? '',
      part: 'value',
      message: `arguments schemas are JSON Schema draft 2020-12; remove "$schema" or set it to "https://json-schema.org/draft/2020-12/schema" (${text})`,
    };
  }
  return { at: '', part: 'key', message: `the arguments schema does not compile: ${text}` };
}

/** Pointer (relative) to the first property, depth first, whose key and value satisfy `test`. */
function findKey(value: unknown, test: (key: string, value: unknown) => boolean, at = ''): string | undefined {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findKey(item, test, `${at}${pointerOf(index)}`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, child] of Object.entries(value)) {
    if (test(key, child)) return `${at}${pointerOf(key)}`;
    const found = findKey(child, test, `${at}${pointerOf(key)}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}
