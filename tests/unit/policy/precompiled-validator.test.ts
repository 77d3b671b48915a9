import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';

// `npm run build` precompiles the policy-schema validator (scripts/build-validators.js) into
// dist/; start-up uses it instead of compiling the schema. It must say exactly what the compiled one
// says: the same verdict and the same errors (with `verbose`, their schemas too), on every policy the
// tests and examples hold, valid or not, and on mutations of them.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const generatedFile = join(root, 'dist', 'policy', 'policy-validator.cjs');
const schemaText = readFileSync(join(root, 'schemas', 'policy.schema.json'), 'utf8');

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return jsonFiles(path);
    return path.endsWith('.json') ? [path] : [];
  });
}

function documents(): unknown[] {
  const parsed = [join(root, 'tests', 'fixtures'), join(root, 'examples'), join(root, 'bench', 'policies')]
    .flatMap(jsonFiles)
    .flatMap((file) => {
      try {
        return [JSON.parse(readFileSync(file, 'utf8')) as unknown];
      } catch {
        return []; // a fixture that is not JSON on purpose
      }
    });
  const objects = parsed.filter((doc): doc is Record<string, unknown> => typeof doc === 'object' && doc !== null && !Array.isArray(doc));
  const mutated = objects.flatMap((doc) => [
    { ...doc, defualt: 'deny' },
    { ...doc, version: 2 },
    { ...doc, tools: { x: { action: 'maybe', limits: [{ window: 'fortnight', max: -1 }] } } },
  ]);
  return [...parsed, ...mutated, null, [], 'policy', {}];
}

type Validate = ((doc: unknown) => boolean) & { errors?: unknown; schemaSha256?: string };
const generated = existsSync(generatedFile) ? (createRequire(generatedFile)(generatedFile) as Validate) : undefined;
// Made from another version of the schema (edited since the last build), it is not used at start-up either.
const current = generated?.schemaSha256 === createHash('sha256').update(schemaText).digest('hex');

(generated && current ? describe : describe.skip)('the precompiled policy-schema validator (dist/, made by npm run build)', () => {
  const compiled = new Ajv2020({ allErrors: true, verbose: true, strict: true, logger: false }).compile(JSON.parse(schemaText) as object);

  test('gives the verdict and the errors the compiled validator gives', () => {
    const docs = documents();
    expect(docs.length).toBeGreaterThan(50);
    for (const doc of docs) {
      const verdict = compiled(doc);
      expect({ doc, verdict: generated?.(doc), errors: generated?.errors }).toEqual({ doc, verdict, errors: compiled.errors });
    }
  });
});

// The build also precompiles the JSON Schema 2020-12 meta-schema, which advertised.ts checks the
// schemas servers advertise against instead of having Ajv compile it at a session's first call.
const metaFile = join(root, 'dist', 'policy', 'meta-schema-2020-validator.cjs');

describe('the precompiled 2020-12 meta-schema validator (dist/, made by npm run build)', () => {
  test('exists after the build, and gives the verdict and the errors of the meta-schema Ajv compiles', () => {
    expect(existsSync(metaFile)).toBe(true);
    const precompiled = createRequire(metaFile)(metaFile) as Validate;
    const ajv = new Ajv2020({ allErrors: true, strict: false, logger: false });
    const compiled = ajv.getSchema('https://json-schema.org/draft/2020-12/schema')!;
    const catalogues = [join(root, 'tests', 'fixtures', 'plex', 'tools.json'), join(root, 'tests', 'fixtures', 'servers', 'tool-catalogue.json')];
    const advertised = catalogues.flatMap((file) => {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { tools?: { inputSchema?: unknown }[] } | { inputSchema?: unknown }[];
      return (Array.isArray(parsed) ? parsed : (parsed.tools ?? [])).map((tool) => tool.inputSchema);
    });
    const schemas = [
      ...advertised,
      { type: 'objekt' },
      { type: 'object', properties: { n: { minimum: 'one' } }, required: 'n' },
      { $defs: { a: { $anchor: '1bad' } }, pattern: 7 },
      { allOf: {}, enum: [] },
      true,
      false,
      {},
    ];
    expect(advertised.length).toBeGreaterThan(50);
    for (const schema of schemas) {
      const verdict = compiled(schema);
      expect({ schema, verdict: precompiled(schema), errors: precompiled.errors }).toEqual({ schema, verdict, errors: compiled.errors });
    }
  });
});
