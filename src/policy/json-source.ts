import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { parsePointer } from './pointer.js';

/** Where in a document a pointer points: the key of a property, or its value. */
export type Part = 'key' | 'value';

export interface Position {
  line: number;
  column: number;
}

export interface SourceIssue extends Position {
  code: 'policy.syntax' | 'policy.duplicate-key';
  message: string;
}

/**
 * A JSON text with positions: every place a JSON Pointer names can be turned back into a line
 * and column. Strict JSON only: comments and trailing commas are syntax errors.
 */
export class JsonSource {
  readonly file: string;
  readonly text: string;
  readonly root: Node | undefined;
  /** The parsed value, with JSON.parse semantics (the last of duplicate keys wins). */
  readonly value: unknown;
  readonly issues: readonly SourceIssue[];
  private readonly lineStarts: number[];

  constructor(text: string, file: string) {
    // A byte order mark is no syntax error, but JSON.parse refuses it; a space keeps every offset.
    this.text = text.startsWith('\uFEFF') ? ` ${text.slice(1)}` : text;
    this.file = file;
    this.lineStarts = lineStartsOf(this.text);
    const errors: ParseError[] = [];
    this.root = parseTree(this.text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const issues: SourceIssue[] = [];
    // The parser recovers and often reports one mistake twice at the same place; say it once.
    const seenOffsets = new Set<number>();
    for (const error of errors) {
      if (seenOffsets.has(error.offset)) continue;
      seenOffsets.add(error.offset);
      const message = this.text.trim() === '' ? 'the file is empty; a policy is a JSON object' : syntaxMessage(printParseErrorCode(error.error));
      issues.push({ code: 'policy.syntax', message, ...this.positionAt(error.offset) });
    }
    let value: unknown;
    if (issues.length === 0) {
      try {
        value = JSON.parse(this.text);
      } catch (error) {
        // jsonc-parser accepted something JSON.parse does not: report it rather than guess.
        issues.push({ code: 'policy.syntax', message: `not valid JSON: ${(error as Error).message}`, ...this.positionAt(0) });
      }
    }
    if (this.root) issues.push(...this.duplicateKeys(this.root));
    this.value = value;
    this.issues = issues;
  }

  positionAt(offset: number): Position {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((this.lineStarts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - (this.lineStarts[low] ?? 0) + 1 };
  }

  /**
   * Position of the key or value named by `pointer`. A pointer that goes past what the document
   * holds (a missing property) falls back to the deepest place that exists.
   */
  locate(pointer: string, part: Part = 'value'): Position {
    const segments = parsePointer(pointer);
    for (let length = segments.length; length >= 0; length -= 1) {
      const node = this.nodeAtSegments(segments.slice(0, length));
      if (node === undefined) continue;
      const keyNode = node.parent?.type === 'property' ? node.parent.children?.[0] : undefined;
      const exact = length === segments.length;
      if (keyNode && (part === 'key' || !exact)) return this.positionAt(keyNode.offset);
      return this.positionAt(node.offset);
    }
    return { line: 1, column: 1 };
  }

  private nodeAtSegments(segments: readonly string[]): Node | undefined {
    let node = this.root;
    for (const segment of segments) {
      if (node === undefined) return undefined;
      node = childOf(node, segment);
    }
    return node;
  }

  private duplicateKeys(root: Node): SourceIssue[] {
    const issues: SourceIssue[] = [];
    const visit = (node: Node): void => {
      if (node.type === 'object') {
        const seen = new Map<string, Node>();
        for (const property of node.children ?? []) {
          const keyNode = property.children?.[0];
          if (keyNode === undefined || typeof keyNode.value !== 'string') continue;
          const first = seen.get(keyNode.value);
          if (first === undefined) {
            seen.set(keyNode.value, keyNode);
          } else {
            const at = this.positionAt(first.offset);
            issues.push({
              code: 'policy.duplicate-key',
              message: `duplicate key ${JSON.stringify(keyNode.value)} (first at line ${at.line}, column ${at.column}); JSON keeps only one of them`,
              ...this.positionAt(keyNode.offset),
            });
          }
        }
      }
      for (const child of node.children ?? []) visit(child);
    };
    visit(root);
    return issues;
  }
}

function childOf(node: Node, segment: string): Node | undefined {
  if (node.type === 'object') {
    const properties = node.children ?? [];
    for (let index = properties.length - 1; index >= 0; index -= 1) {
      const property = properties[index];
      if (property?.children?.[0]?.value === segment) return property.children[1];
    }
    return undefined;
  }
  if (node.type === 'array' && /^(0|[1-9][0-9]*)$/.test(segment)) return node.children?.[Number(segment)];
  return undefined;
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index);
    if (char === 13 /* \r */) {
      if (text.charCodeAt(index + 1) === 10) index += 1;
      starts.push(index + 1);
    } else if (char === 10 /* \n */) {
      starts.push(index + 1);
    }
  }
  return starts;
}

const syntaxMessages: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a property name in double quotes (no trailing commas in JSON)',
  ValueExpected: 'expected a value (no trailing commas in JSON)',
  ColonExpected: 'expected ":"',
  CommaExpected: 'expected ","',
  CloseBraceExpected: 'expected "}"',
  CloseBracketExpected: 'expected "]"',
  EndOfFileExpected: 'expected the end of the file after the top-level value',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'unterminated comment (comments are not allowed in JSON)',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'invalid \\u escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character in string',
};

function syntaxMessage(name: string): string {
  return syntaxMessages[name] ?? name;
}
