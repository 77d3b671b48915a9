import { classifyTool, type ToolHints, type ToolKind } from '../../../src/init/classify.js';

describe('classifyTool', () => {
  const table: Array<[string, ToolHints | undefined, ToolKind]> = [
    ['no annotations: the MCP defaults make it destructive', undefined, 'destructive'],
    ['empty annotations', {}, 'destructive'],
    ['read-only', { readOnlyHint: true }, 'read-only'],
    ['read-only wins over destructive', { readOnlyHint: true, destructiveHint: true }, 'read-only'],
    ['read-only wins over open-world', { readOnlyHint: true, openWorldHint: true }, 'read-only'],
    ['explicitly not read-only, no other hints', { readOnlyHint: false }, 'destructive'],
    ['destructive', { readOnlyHint: false, destructiveHint: true, openWorldHint: false }, 'destructive'],
    ['not destructive, open world by default', { destructiveHint: false }, 'open-world'],
    ['not destructive, open world', { destructiveHint: false, openWorldHint: true }, 'open-world'],
    ['not destructive, closed world', { destructiveHint: false, openWorldHint: false }, 'contained'],
    ['a string is not a hint', { readOnlyHint: 'true' }, 'destructive'],
    ['a string false does not clear destructive', { destructiveHint: 'false', openWorldHint: false }, 'destructive'],
    ['null is not a hint', { readOnlyHint: null, destructiveHint: false, openWorldHint: null }, 'open-world'],
  ];

  test.each(table)('%s', (_label, hints, kind) => {
    expect(classifyTool(hints)).toBe(kind);
  });
});
