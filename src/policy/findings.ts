import type { JsonSource, Part } from './json-source.js';
import type { Problem } from './problems.js';

/** A check's result named by pointer; located against the source when reported. */
export interface Finding {
  pointer: string;
  part: Part;
  code: string;
  message: string;
}

export function locateFindings(source: JsonSource, findings: readonly Finding[], severity: Problem['severity']): Problem[] {
  return findings.map((finding) => ({
    file: source.file,
    ...source.locate(finding.pointer, finding.part),
    code: finding.code,
    severity,
    message: finding.message,
  }));
}
