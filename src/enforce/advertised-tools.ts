import { AdvertisedSchemaCompiler, canonicalJson, type AdvertisedSchemaCheck } from '../policy/index.js';

/**
 * The input schemas the server advertised in tools/list, compiled on first use. Forgotten when the
 * server says its list changed, so the next check uses the new schemas; a list that repeats a
 * schema keeps its compiled check (clients list tools often, and compiling costs milliseconds).
 */
export class AdvertisedTools {
  private schemas = new Map<string, unknown>();
  private compiled = new Map<string, { check: AdvertisedSchemaCheck; from: string }>();
  private readonly compiler = new AdvertisedSchemaCompiler();
  /** Whether a whole tools/list (every page) has been seen since the last change. */
  private complete = false;

  /** Record one page of a tools/list result. */
  recordPage(result: Record<string, unknown>): void {
    const tools = result.tools;
    if (!Array.isArray(tools)) return;
    for (const tool of tools) {
      if (typeof tool !== 'object' || tool === null) continue;
      const { name, inputSchema } = tool as { name?: unknown; inputSchema?: unknown };
      if (typeof name !== 'string') continue;
      this.schemas.set(name, inputSchema);
      const compiled = this.compiled.get(name);
      if (compiled !== undefined && compiled.from !== fingerprint(inputSchema)) this.compiled.delete(name);
    }
    if (typeof result.nextCursor !== 'string') this.complete = true;
  }

  forget(): void {
    this.schemas = new Map();
    this.compiled = new Map();
    this.complete = false;
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
    const inputSchema = this.schemas.get(tool);
    const check = this.compiler.compile([{ name: tool, inputSchema }]).get(tool);
    if (check !== undefined) this.compiled.set(tool, { check, from: fingerprint(inputSchema) });
    return check;
  }
}

/** Equal for equal schemas, whatever order their keys came in. */
function fingerprint(inputSchema: unknown): string {
  return canonicalJson(inputSchema ?? null);
}
