/** The annotation hints a server may attach to a tool in tools/list (MCP 2025-03-26 and later). */
export interface ToolHints {
  readOnlyHint?: unknown;
  destructiveHint?: unknown;
  openWorldHint?: unknown;
}

/**
 * What a starter policy makes of a tool, from its hints alone:
 * - read-only: the server says the tool changes nothing;
 * - destructive: it may change things and the server does not say it only adds;
 * - open-world: it may change things and reaches systems outside the server;
 * - contained: it changes things, but neither destructively nor outside the server.
 */
export type ToolKind = 'read-only' | 'destructive' | 'open-world' | 'contained';

/**
 * Applies the MCP defaults for missing hints: readOnlyHint false, destructiveHint true,
 * openWorldHint true. Only a boolean counts as a hint; anything else is treated as missing,
 * so a malformed annotation can only make a tool look riskier. Read-only wins over the other
 * two, as the specification makes them meaningful only for tools that are not read-only.
 */
export function classifyTool(hints: ToolHints | undefined): ToolKind {
  if (hints?.readOnlyHint === true) return 'read-only';
  if (hints?.destructiveHint !== false) return 'destructive';
  if (hints?.openWorldHint !== false) return 'open-world';
  return 'contained';
}
