import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { formatProblem, loadPolicyFile } from '../../../src/policy/index.js';

/**
 * Which files under examples/ are policies: `*.policy.json` and `policy.json`. Everything else
 * there (client configs such as claude_desktop_config.json, scripts) is not checked.
 */
function isPolicyFile(name: string): boolean {
  return name === 'policy.json' || name.endsWith('.policy.json');
}

function policyFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && isPolicyFile(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

describe('examples/', () => {
  test('only *.policy.json and policy.json count as policies', () => {
    expect(['policy.json', 'plex.policy.json', 'claude_desktop_config.json', 'cursor.mcp.json', 'policy.json.bak', 'mypolicy.json'].filter(isPolicyFile)).toEqual([
      'policy.json',
      'plex.policy.json',
    ]);
  });

  test('every example policy loads without errors', () => {
    const files = policyFilesUnder('examples');
    const failures = files.flatMap((file) => {
      const result = loadPolicyFile(file);
      return result.ok ? [] : result.problems.filter((problem) => problem.severity === 'error').map(formatProblem);
    });
    expect(failures).toEqual([]);
    for (const file of files) expect(isPolicyFile(basename(file))).toBe(true);
  });
});
