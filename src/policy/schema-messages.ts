import type { ErrorObject } from 'ajv';

/** One Ajv error said for a person, with the place it is about. */
export interface ReadableError {
  /** JSON Pointer into the validated value ('' for the value itself). */
  instancePath: string;
  /** Without the path: "must be >= 0". */
  message: string;
  keyword: string;
  params: Record<string, unknown>;
  /** The schema object holding the failed keyword (needs Ajv's `verbose`), e.g. for "did you mean". */
  parentSchema: unknown;
}

/**
 * Ajv's errors as readable messages. Under `allErrors`, a failed anyOf/oneOf reports every branch;
 * those are folded into one message at the place they are about ("must be one of "second",
 * "minute", "hour", "day", or an integer").
 */
export function readableErrors(errors: readonly ErrorObject[] | null | undefined): ReadableError[] {
  const all = (errors ?? []).filter((error) => error.keyword !== 'if');
  const alternatives = all.filter((error) => error.keyword === 'anyOf' || error.keyword === 'oneOf');
  const folded = new Set<ErrorObject>();
  const result: Array<ReadableError & { source: ErrorObject }> = [];
  for (const alternative of alternatives) {
    const branches = all.filter(
      (error) =>
        error !== alternative &&
        !folded.has(error) &&
        (error.instancePath === alternative.instancePath
          ? error.keyword !== 'anyOf' && error.keyword !== 'oneOf'
          : error.schemaPath.startsWith(`${alternative.schemaPath}/`)),
    );
    for (const branch of branches) folded.add(branch);
    folded.add(alternative);
    const sameplace = branches.filter((error) => error.instancePath === alternative.instancePath);
    result.push({
      ...base(alternative),
      message: sameplace.length > 0 ? joinAlternatives(sameplace.map(messageOf)) : messageOf(alternative),
    });
  }
  for (const error of all) {
    if (!folded.has(error)) result.push({ ...base(error), message: messageOf(error) });
  }
  const order = new Map(all.map((error, index) => [error, index]));
  return result.sort((a, b) => (order.get(a.source) ?? 0) - (order.get(b.source) ?? 0)).map(({ source: _source, ...rest }) => rest);
}

/** "/limit must be <= 500"; `rootLabel` stands for the empty path. */
export function violationText(error: ReadableError, rootLabel: string): string {
  return `${error.instancePath === '' ? rootLabel : error.instancePath} ${error.message}`;
}

function base(error: ErrorObject): ReadableError & { source: ErrorObject } {
  return {
    instancePath: error.instancePath,
    message: '',
    keyword: error.keyword,
    params: error.params as Record<string, unknown>,
    parentSchema: error.parentSchema,
    source: error,
  };
}

function messageOf(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]) ?? [];
      return allowed.length === 1 ? `must be ${quote(allowed[0])}` : `must be one of ${allowed.map(quote).join(', ')}`;
    }
    case 'const':
      return `must be ${quote(params.allowedValue)}`;
    case 'type':
      return `must be ${String(params.type)
        .split(',')
        .map((type) => withArticle(type))
        .join(' or ')}`;
    case 'required':
      return `must have property ${quote(params.missingProperty)}`;
    case 'additionalProperties':
      return `must not have property ${quote(params.additionalProperty)}`;
    case 'unevaluatedProperties':
      return `must not have property ${quote(params.unevaluatedProperty)}`;
    case 'propertyNames':
      return `has an invalid property name ${quote(params.propertyName)}`;
    case 'false schema':
      return 'is not allowed';
    case 'anyOf':
    case 'oneOf':
      return 'must match one of the allowed shapes';
    default:
      return (error.message ?? `fails ${error.keyword}`).replace(/\bNOT\b/g, 'not');
  }
}

function joinAlternatives(messages: string[]): string {
  const unique = [...new Set(messages)];
  if (unique.length === 1) return unique[0] as string;
  if (unique.every((message) => message.startsWith('must be '))) {
    const tails = unique.map((message) => message.slice('must be '.length));
    const last = tails.pop() as string;
    return `must be ${tails.join(', ')}${tails.length > 1 ? ',' : ''} or ${last}`;
  }
  return unique.join('; or ');
}

function withArticle(type: string): string {
  if (type === 'null') return 'null';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function quote(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}
