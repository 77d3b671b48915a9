import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../../src', import.meta.url));

function sources(folder: string): { file: string; text: string }[] {
  const dir = join(src, folder);
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => ({ file: relative(src, join(dir, name)), text: readFileSync(join(dir, name), 'utf8') }));
}

function importsOf(text: string): string[] {
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map((match) => match[1] as string);
}

describe('the shape of the code', () => {
  test.each(['proxy', 'policy', 'limits', 'enforce', 'audit'])('nothing under src/%s writes to stdout, which belongs to the protocol', (folder) => {
    const offenders = sources(folder).filter(({ text }) => /\bconsole\.(log|info|debug)|\bprocess\.stdout/.test(text));
    expect(offenders.map(({ file }) => file)).toEqual([]);
  });

  test.each([
    ['policy', ['../proxy/', '../limits/', '../audit/', '../enforce/', '../cli/']],
    ['proxy', ['../policy/', '../limits/', '../audit/', '../enforce/', '../cli/']],
    ['limits', ['../proxy/', '../policy/', '../audit/', '../enforce/', '../cli/']],
  ])('src/%s depends on none of the others', (folder, forbidden) => {
    const offenders = sources(folder).flatMap(({ file, text }) =>
      importsOf(text)
        .filter((path) => forbidden.some((prefix) => path.startsWith(prefix)))
        .map((path) => `${file} imports ${path}`),
    );
    expect(offenders).toEqual([]);
  });
});
