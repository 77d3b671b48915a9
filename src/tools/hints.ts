/** The annotation hints of one tool as the server states them; a hint left out stays undefined. */
export interface StatedHints {
  readOnly?: boolean;
  destructive?: boolean;
  idempotent?: boolean;
  openWorld?: boolean;
}

/** The part of a tools/list entry's `annotations` these come from. */
export interface ToolAnnotations {
  title?: unknown;
  readOnlyHint?: unknown;
  destructiveHint?: unknown;
  idempotentHint?: unknown;
  openWorldHint?: unknown;
}

/** Only booleans count: anything else a server sends under a hint's name says nothing. */
export function statedHints(annotations: ToolAnnotations | undefined): StatedHints {
  const hints: StatedHints = {};
  const pick = (value: unknown): boolean | undefined => (typeof value === 'boolean' ? value : undefined);
  const readOnly = pick(annotations?.readOnlyHint);
  const destructive = pick(annotations?.destructiveHint);
  const idempotent = pick(annotations?.idempotentHint);
  const openWorld = pick(annotations?.openWorldHint);
  if (readOnly !== undefined) hints.readOnly = readOnly;
  if (destructive !== undefined) hints.destructive = destructive;
  if (idempotent !== undefined) hints.idempotent = idempotent;
  if (openWorld !== undefined) hints.openWorld = openWorld;
  return hints;
}

/**
 * Short words for what the server claims: "read-only" or "writes", then for a tool that writes
 * "destructive" or "additive" and "idempotent", then "open-world" or "closed-world". The
 * destructive and idempotent hints mean nothing for a read-only tool (MCP), so they are left out
 * there. Unstated hints give no word: the words repeat the server, they do not apply defaults.
 */
export function hintLabels(hints: StatedHints): string[] {
  const labels: string[] = [];
  if (hints.readOnly === true) labels.push('read-only');
  if (hints.readOnly === false) labels.push('writes');
  if (hints.readOnly !== true) {
    if (hints.destructive === true) labels.push('destructive');
    if (hints.destructive === false) labels.push('additive');
    if (hints.idempotent === true) labels.push('idempotent');
  }
  if (hints.openWorld === true) labels.push('open-world');
  if (hints.openWorld === false) labels.push('closed-world');
  return labels;
}
