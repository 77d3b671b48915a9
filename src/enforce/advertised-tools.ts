import { AdvertisedSchemaCompiler, canonicalJson, type AdvertisedSchemaCheck } from '../policy/index.js';
import { BoundedMap, ENTRY_BYTES, stringBytes } from '../shared/bounded-map.js';
import { MAX_TOOL_NAME_LENGTH } from '../shared/tool-names.js';

/** The server chooses how many tools it lists and how large their schemas are: what is kept of them is bounded. */
const MAX_TOOLS = 10_000;
/** About the size of the schemas' JSON, and again of the compiled checks' (each holds its schema's canonical JSON). */
const MAX_SCHEMA_BYTES = 16 * 1024 * 1024;

/** A tool's advertised schema and about how many bytes it takes. */
interface Advertised {
  inputSchema: unknown;
  size: number;
}

interface Compiled {
  check: AdvertisedSchemaCheck;
  from: string;
}

/**
 * The input schemas the server advertised in tools/list, compiled on first use. Forgotten when the
 * server says its list changed, so the next check uses the new schemas; a list that repeats a
 * schema keeps its compiled check (clients list tools often, and compiling costs milliseconds).
 * Names over MAX_TOOL_NAME_LENGTH are not kept (calls to them are refused unjudged). When the
 * list outgrows the bounds its oldest schemas are forgotten and it no longer counts as complete,
 * so a call to a tool whose schema was forgotten has the list fetched again.
 */
export class AdvertisedTools {
  private schemas = this.newSchemas();
  private compiled = newCompiled();
  private readonly compiler = new AdvertisedSchemaCompiler();
  /** Whether a whole tools/list (every page) has been seen since the last change. */
  private complete = false;
  /** Whether a schema was forgotten for room since the last change. */
  private overflowed = false;

  /**
   * Record one page of a tools/list result; `bytes`, the length of its line when known, sizes each
   * schema at its share of the line instead of serializing every one again.
   */
  recordPage(result: Record<string, unknown>, bytes?: number): void {
    const tools = result.tools;
    if (!Array.isArray(tools)) return;
    const share = bytes === undefined ? undefined : Math.ceil(bytes / Math.max(1, tools.length));
    for (const tool of tools) {
      if (typeof tool !== 'object' || tool === null) continue;
      const { name, inputSchema } = tool as { name?: unknown; inputSchema?: unknown };
      if (typeof name !== 'string' || name.length > MAX_TOOL_NAME_LENGTH) continue;
      const size = share ?? stringBytes(JSON.stringify(inputSchema ?? null));
      if (!this.schemas.set(name, { inputSchema, size })) this.overflowed = true;
      const compiled = this.compiled.get(name);
      if (compiled !== undefined && compiled.from !== fingerprint(inputSchema)) this.compiled.delete(name);
    }
    if (typeof result.nextCursor !== 'string') this.complete = !this.overflowed;
  }

  forget(): void {
    this.schemas = this.newSchemas();
    this.compiled = newCompiled();
    this.complete = false;
    this.overflowed = false;
  }

  get isComplete(): boolean {
    return this.complete;
  }

  /** The tools listed since the server last said its list changed. */
  names(): IterableIterator<string> {
    return this.schemas.keys();
  }

  has(tool: string): boolean {
    return this.schemas.has(tool);
  }

  check(tool: string): AdvertisedSchemaCheck | undefined {
    if (!this.schemas.has(tool)) return undefined;
    const compiled = this.compiled.get(tool);
    if (compiled !== undefined) return compiled.check;
    const inputSchema = this.schemas.get(tool)?.inputSchema;
    const check = this.compiler.compile([{ name: tool, inputSchema }]).get(tool);
    if (check !== undefined) this.compiled.set(tool, { check, from: fingerprint(inputSchema) });
    return check;
  }

  private newSchemas(): BoundedMap<string, Advertised> {
    return new BoundedMap<string, Advertised>({
      maxEntries: MAX_TOOLS,
      maxBytes: MAX_SCHEMA_BYTES,
      sizeOf: (name, advertised) => ENTRY_BYTES + stringBytes(name) + advertised.size,
      onEvict: () => {
        this.overflowed = true;
        this.complete = false;
      },
    });
  }
}

function newCompiled(): BoundedMap<string, Compiled> {
  return new BoundedMap<string, Compiled>({
    maxEntries: MAX_TOOLS,
    maxBytes: MAX_SCHEMA_BYTES,
    sizeOf: (name, compiled) => ENTRY_BYTES + stringBytes(name) + stringBytes(compiled.from),
  });
}

/** Equal for equal schemas, whatever order their keys came in. */
function fingerprint(inputSchema: unknown): string {
  return canonicalJson(inputSchema ?? null);
}
