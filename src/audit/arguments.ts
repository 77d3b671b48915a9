import { canonicalDigest } from '../policy/index.js';
import { isObject } from '../shared/values.js';

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
  const argumentKeys = isObject(args) ? Object.keys(args).sort() : [];
  return { argumentKeys, argumentsDigest: canonicalDigest(args ?? null) };
}

