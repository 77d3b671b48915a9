import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const shared = fileURLToPath(new URL('../../../src/shared', import.meta.url));

describe('src/shared', () => {
  test('imports none of the parts that use it, and writes to no stream', () => {
    const offenders = readdirSync(shared)
      .filter((name) => name.endsWith('.ts'))
      .flatMap((name) => {
        const text = readFileSync(join(shared, name), 'utf8');
        const imports = [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map((match) => match[1] as string);
        const outside = imports.filter((path) => !path.startsWith('./') && !path.startsWith('node:')).map((path) => `${name} imports ${path}`);
        return /\bconsole\.|\bprocess\.std(out|err)/.test(text) ? [...outside, `${name} writes to a stream`] : outside;
      });
    expect(offenders).toEqual([]);
  });
});
