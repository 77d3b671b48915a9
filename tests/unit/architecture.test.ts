import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../../src', import.meta.url));

/**
 * What each part of src may import besides itself. `errors` is src/errors.ts. The diagram in
 * STYLE.md is `cli -> enforce -> policy, limits, audit`, `cli -> proxy`; two edges go beyond it and
 * are named here so that no other one creeps in: enforce implements the gate contract that proxy
 * defines (proxy/gate.ts, proxy/jsonrpc.ts), and audit digests arguments with policy's canonical JSON.
 */
const allowed: Record<string, readonly string[]> = {
  cli: ['enforce', 'proxy', 'policy', 'limits', 'audit', 'init', 'tools', 'approvals', 'pins', 'shared', 'errors'],
  enforce: ['policy', 'limits', 'audit', 'proxy', 'approvals', 'pins', 'shared', 'errors'],
  approvals: ['limits', 'audit', 'shared', 'errors'],
  pins: ['limits', 'policy', 'shared', 'errors'],
  init: ['policy', 'shared', 'errors'],
  tools: ['policy', 'shared', 'errors'],
  audit: ['policy', 'shared', 'errors'],
  policy: ['shared', 'errors'],
  limits: ['shared', 'errors'],
  proxy: ['shared', 'errors'],
  shared: [],
  errors: [],
};

interface Source {
  /** path under src, e.g. cli/main.ts */
  file: string;
  part: string;
  text: string;
}

function partOf(pathUnderSrc: string): string {
  const first = pathUnderSrc.split(sep)[0] as string;
  return first.endsWith('.ts') ? first.slice(0, -'.ts'.length) : first.endsWith('.js') ? first.slice(0, -'.js'.length) : first;
}

function allSources(): Source[] {
  return readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => ({ file: name, part: partOf(name), text: readFileSync(join(src, name), 'utf8') }));
}

function sources(part: string): Source[] {
  return allSources().filter((source) => source.part === part);
}

/** Every module a file names: `import … from`, `export … from`, `import '…'`, and `import('…')`. */
function importsOf(text: string): string[] {
  const patterns = [
    /^\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/gm,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /\bimport\s*\(\s*['"`]([^'"`$]+)['"`]/g,
  ];
  return patterns.flatMap((pattern) => [...text.matchAll(pattern)].map((match) => match[1] as string));
}

/** Dynamic imports whose module is not a plain string: this test could not say where they lead. */
function unreadableDynamicImports(text: string): string[] {
  return [...text.matchAll(/\bimport\s*\(\s*([^)]*)\)/g)]
    .map((match) => (match[1] as string).trim())
    .filter((argument) => !/^(['"])[^'"]+\1$/.test(argument) && !/^`[^`$]+`$/.test(argument));
}

/** The part of src a relative import from `file` reaches; undefined for packages and node: modules. */
function partImported(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const target = relative(src, resolve(src, dirname(file), specifier));
  return target.startsWith('..') ? `outside src (${specifier})` : partOf(target);
}

describe('the shape of the code', () => {
  test('finds static, side-effect and dynamic imports alike', () => {
    const text = [
      "import { a } from '../policy/index.js';",
      "import type {\n  B,\n} from \"../limits/types.js\";",
      "export { c } from '../audit/sink.js';",
      "import '../proxy/wasm/shape-module.js';",
      "  const { D } = await import('../enforce/policy-gate.js');",
      'const e = () => import(`../cli/main.js`);',
    ].join('\n');
    expect(importsOf(text)).toEqual(
      expect.arrayContaining(['../policy/index.js', '../limits/types.js', '../audit/sink.js', '../proxy/wasm/shape-module.js', '../enforce/policy-gate.js', '../cli/main.js']),
    );
    expect(importsOf(text)).toHaveLength(6);
    expect(unreadableDynamicImports("await import('./a.js'); await import(name); await import(`./${x}.js`)")).toEqual(['name', '`./${x}.js`']);
  });

  test('every part of src has its allowed imports listed here', () => {
    const parts = [...new Set(allSources().map((source) => source.part))].sort();
    expect(parts.filter((part) => !(part in allowed))).toEqual([]);
  });

  test.each(Object.entries(allowed))('src/%s imports only the parts it may: %j', (part, may) => {
    const offenders = sources(part).flatMap(({ file, text }) =>
      importsOf(text)
        .map((specifier) => ({ specifier, target: partImported(file, specifier) }))
        .filter(({ target }) => target !== undefined && target !== part && !may.includes(target))
        .map(({ specifier }) => `${file} imports ${specifier}`),
    );
    expect(offenders).toEqual([]);
  });

  test('every dynamic import names its module as a plain string, so the check above sees it', () => {
    const offenders = allSources().flatMap(({ file, text }) => unreadableDynamicImports(text).map((argument) => `${file}: import(${argument})`));
    expect(offenders).toEqual([]);
  });

  test.each(['proxy', 'policy', 'limits', 'enforce', 'audit', 'init', 'tools', 'approvals', 'pins', 'shared'])('nothing under src/%s writes to stdout, which belongs to the protocol', (folder) => {
    const offenders = sources(folder).filter(({ text }) => /\bconsole\.(log|info|debug)|\bprocess\.stdout/.test(text));
    expect(offenders.map(({ file }) => file)).toEqual([]);
  });
});
