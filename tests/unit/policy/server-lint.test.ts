import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatProblem, lintAgainstServer, loadPolicyFile, locateFindings, type AdvertisedTool } from '../../../src/policy/index.js';

const tools = (JSON.parse(readFileSync('tests/fixtures/servers/tool-catalogue.json', 'utf8')) as { tools: AdvertisedTool[] }).tools;

function serverWarnings(file: string): Array<[string, number, number, string]> {
  const result = loadPolicyFile(join('tests/fixtures/policies/server', file));
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
  return locateFindings(result.source, lintAgainstServer(result.policy, tools), 'warning').map((problem) => [
    problem.code,
    problem.line,
    problem.column,
    problem.message,
  ]);
}

describe('lintAgainstServer', () => {
  test('a policy that fits the server has nothing to say', () => {
    expect(serverWarnings('clean.json')).toEqual([]);
  });

  test('an exact rule naming no tool, with "did you mean"', () => {
    expect(serverWarnings('no-such-tool.json')).toEqual([
      ['lint.no-such-tool', 5, 5, 'the server has no tool named "trakt_authentcate" (did you mean "trakt_authenticate"?)'],
    ]);
  });

  test('a pattern matching no tool', () => {
    expect(serverWarnings('no-such-tool-pattern.json')).toEqual([['lint.no-such-tool', 5, 5, expect.stringMatching(/matches none of the server's 6 tools/)]]);
  });

  test('tools left to "default": "allow", one warning each, at "default"', () => {
    expect(serverWarnings('unmentioned-tool.json')).toEqual([['lint.unmentioned-tool', 3, 14, expect.stringMatching(/"search"/)]]);
  });

  test('argument schemas naming properties the tool does not have', () => {
    expect(serverWarnings('unknown-argument.json')).toEqual([
      ['lint.unknown-argument', 7, 25, '"limt" is not in the inputSchema of get_recently_added (did you mean "limit"?)'],
      ['lint.unknown-argument', 11, 35, '"itemKey" is not in the inputSchema of playlist_remove'],
    ]);
  });

  test('a pattern that decides none of the tools it matches', () => {
    expect(serverWarnings('unreachable-pattern.json')).toEqual([['lint.unreachable-pattern', 7, 5, expect.stringMatching(/playlist_add, playlist_remove/)]]);
  });
});
