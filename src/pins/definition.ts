import { canonicalDigest, canonicalJson, sha256Hex } from '../policy/index.js';
import type { PinnedTool, ToolDefinition } from './types.js';

/** The pinned parts of one entry of a tools/list result; undefined for an entry without a name. */
export function definitionOf(tool: unknown): ToolDefinition | undefined {
  if (typeof tool !== 'object' || tool === null || Array.isArray(tool)) return undefined;
  const { name, description, inputSchema, annotations } = tool as Record<string, unknown>;
  if (typeof name !== 'string') return undefined;
  const definition: ToolDefinition = { name };
  if (description !== undefined) definition.description = description;
  if (inputSchema !== undefined) definition.inputSchema = inputSchema;
  if (annotations !== undefined) definition.annotations = annotations;
  return definition;
}

export function pinOf(definition: ToolDefinition, nowMs: number): PinnedTool {
  return { name: definition.name, digest: canonicalDigest(definition), definition, pinnedMs: nowMs };
}

/** What changed between a pinned definition and the current one, in words: "description", "input schema", "annotations". */
export function changedParts(pinned: ToolDefinition, current: ToolDefinition): string[] {
  const parts: [keyof ToolDefinition, string][] = [
    ['description', 'description'],
    ['inputSchema', 'input schema'],
    ['annotations', 'annotations'],
  ];
  return parts.filter(([field]) => canonicalJson(pinned[field] ?? null) !== canonicalJson(current[field] ?? null)).map(([, words]) => words);
}

/**
 * Whose pins these are: the policy's namespace (by default derived from the policy file's real
 * path) and the server's command line, digested (arguments may carry secrets). Chosen by the
 * person who starts the wrapper, never by the server: a server cannot rename itself out of its pins.
 */
export function pinServerKey(namespace: string | undefined, command: readonly string[]): string {
  return `server:${sha256Hex(canonicalJson([namespace ?? null, [...command]])).slice(0, 32)}`;
}

/** A pin as stored, checked: undefined for anything else. */
export function checkedPin(value: unknown): PinnedTool | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { name, digest, definition, pinnedMs } = value as Record<string, unknown>;
  if (typeof name !== 'string' || typeof digest !== 'string' || typeof pinnedMs !== 'number') return undefined;
  const checked = definitionOf(definition);
  return checked === undefined ? undefined : { name, digest, definition: checked, pinnedMs };
}
