import { readFileSync, realpathSync } from 'node:fs';
import { namespaceOfFile, tryCompilePolicy, type CompiledPolicy, type CompileOptions } from './compile.js';
import { locateFindings, type Finding } from './findings.js';
import { JsonSource } from './json-source.js';
import { lintPolicy } from './lint.js';
import { isWithin, pointerOf } from './pointer.js';
import { hasErrors, sortProblems, type Problem } from './problems.js';
import { policyValidator } from './schema.js';
import { readableErrors, type ReadableError } from './schema-messages.js';
import { didYouMeanField } from './suggest.js';
import type { PolicyDocument } from './types.js';

export type LoadResult =
  | {
      ok: true;
      policy: CompiledPolicy;
      document: PolicyDocument;
      /** Checks beyond the schema (lint.*), located. */
      warnings: Problem[];
      /** The text with positions, to locate further findings (e.g. from lintAgainstServer). */
      source: JsonSource;
    }
  | { ok: false; problems: Problem[] };

/**
 * Reads, validates and compiles a policy file. Never throws for a bad or missing file. Problems
 * name the file as `name` (default: the path), e.g. the path as the user typed it. A policy without
 * `namespace` gets the one of its file's real path (namespaceOfFile).
 */
export function loadPolicyFile(path: string, name: string = path): LoadResult {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const missing = code === 'ENOENT' || code === 'ENOTDIR';
    return fileProblem(name, missing ? 'policy.missing' : 'policy.unreadable', missing ? 'no such policy file' : `cannot read the policy file (${code ?? (error as Error).message})`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fileProblem(name, 'policy.unreadable', 'the policy file is not UTF-8 text');
  }
  return loadPolicyText(text, name, { defaultNamespace: namespaceOfFile(realPathOf(path)) });
}

export function loadPolicyText(text: string, fileName: string, options: CompileOptions = {}): LoadResult {
  const source = new JsonSource(text, fileName);
  const fail = (findings: Problem[]): LoadResult => ({ ok: false, problems: sortProblems(findings) });
  const sourceProblems: Problem[] = source.issues.map((issue) => ({ file: fileName, ...issue, severity: 'error' }));
  if (sourceProblems.some((problem) => problem.code === 'policy.syntax')) return fail(sourceProblems);

  const document = source.value;
  const validate = policyValidator();
  const schemaFindings = validate(document) ? [] : schemaErrorFindings(readableErrors(validate.errors));
  const isObject = typeof document === 'object' && document !== null && !Array.isArray(document);
  const compiled = isObject ? tryCompilePolicy(document as PolicyDocument, options) : undefined;
  const compileFindings = (compiled && !compiled.ok ? compiled.issues : []).filter(
    // An arguments schema the schema already faulted also fails to compile: say it once.
    (issue) => !(isArgumentsIssue(issue.code) && schemaFindings.some((finding) => isWithin(finding.pointer, argumentsOf(issue.pointer)))),
  );
  const errors = [...sourceProblems, ...locateFindings(source, [...schemaFindings, ...compileFindings], 'error')];
  if (hasErrors(errors) || compiled === undefined || !compiled.ok) return fail(errors);
  return {
    ok: true,
    policy: compiled.policy,
    document: document as PolicyDocument,
    warnings: sortProblems(locateFindings(source, lintPolicy(compiled.policy), 'warning')),
    source,
  };
}

/** The file's canonical path; the path as given if it went away since it was read. */
function realPathOf(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    return path;
  }
}

function fileProblem(file: string, code: string, message: string): LoadResult {
  return { ok: false, problems: [{ file, line: 1, column: 1, code, severity: 'error', message }] };
}

function isArgumentsIssue(code: string): boolean {
  return code === 'policy.bad-arguments-schema' || code === 'policy.unsupported-pattern';
}

/** "/tools/x/arguments/properties/a" -> "/tools/x/arguments" */
function argumentsOf(pointer: string): string {
  const match = /^\/tools\/[^/]*\/arguments/.exec(pointer);
  return match ? match[0] : pointer;
}

function schemaErrorFindings(errors: readonly ReadableError[]): Finding[] {
  const findings: Finding[] = [];
  for (const error of errors) {
    const path = error.instancePath;
    const label = path === '' ? 'the policy' : path;
    const inArguments = /^\/tools\/[^/]*\/arguments(\/|$)/.test(path);
    if (error.keyword === 'minLength' && error.params.limit === 1 && path === '/tools') continue; // propertyNames says it better
    if (error.keyword === 'additionalProperties') {
      const field = String(error.params.additionalProperty);
      const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      findings.push({
        pointer: `${path}${pointerOf(field)}`,
        part: 'key',
        code: 'policy.unknown-field',
        message: `unknown field ${JSON.stringify(field)} in ${label}${didYouMeanField(field, known)}`,
      });
    } else if (error.keyword === 'propertyNames') {
      findings.push({ pointer: `${path}${pointerOf(String(error.params.propertyName))}`, part: 'key', code: 'policy.schema', message: 'a tool rule needs a name: the key "" matches no tool' });
    } else if (error.keyword === 'anyOf' && /^\/tools\/[^/]*\/approval\/remember$/.test(path)) {
      findings.push({ pointer: path, part: 'value', code: 'policy.schema', message: `${label} must be "call", "session" or a whole number of seconds from 1 to 2592000 (30 days)` });
    } else if (error.keyword === 'pattern' && /\/limits\/[0-9]+\/per$/.test(path)) {
      findings.push({ pointer: path, part: 'value', code: 'policy.schema', message: `${label} must be "tool", "arguments" or a path into the arguments such as "arguments.ratingKey"` });
    } else {
      findings.push({ pointer: path, part: 'value', code: inArguments ? 'policy.bad-arguments-schema' : 'policy.schema', message: `${label} ${error.message}` });
    }
  }
  return findings;
}
