/**
 * JSON with object keys sorted, so {a,b} and {b,a} read the same: one budget per value in
 * `per`, one digest per call in the audit log. For values that came from JSON.parse.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    let text = '';
    for (const key of Object.keys(record).sort()) {
      const inner = record[key];
      if (inner === undefined) continue;
      text += `${text === '' ? '' : ','}${JSON.stringify(key)}:${canonicalJson(inner)}`;
    }
    return `{${text}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
