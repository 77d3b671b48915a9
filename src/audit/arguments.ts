import { createHash } from 'node:crypto';

/**
 * What the audit log says about a call's arguments: their top-level keys and a digest. Values
 * stay out unless the user asks for them, because arguments carry tokens, paths and personal data.
 */
export interface ArgumentsSummary {
  argumentKeys: string[];
  /** sha256 of the canonical JSON of the arguments (keys sorted), so equal calls compare equal */
  argumentsDigest: string;
}

export function summarizeArguments(args: unknown): ArgumentsSummary {
  const argumentKeys = isPlainObject(args) ? Object.keys(args).sort() : [];
  const digest = createHash('sha256').update(canonicalJson(args ?? null)).digest('hex');
  return { argumentKeys, argumentsDigest: `sha256:${digest}` };
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (!isPlainObject(inner)) return inner;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(inner).sort()) sorted[key] = inner[key];
    return sorted;
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
