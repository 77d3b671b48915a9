import { isHidden, type AdvertisedSchemaCheck, type CompiledPolicy, type Decision } from '../policy/index.js';
import type { GateContext } from '../proxy/gate.js';
import { AdvertisedTools } from './advertised-tools.js';
import type { PinGuard } from './pin-guard.js';

/** The most tools/list pages the gate reads on its own before it stops paging (a server may never stop). */
export const MAX_TOOL_LIST_PAGES = 100;

/**
 * What the gate does with tool lists: filters what the client sees, keeps the server's input
 * schemas for `input_schema: "enforce"`, fetches the list when a call needs a schema not yet seen,
 * and tells the client when a new policy changes which tools it may see.
 */
export class ToolLists {
  private readonly advertised = new AdvertisedTools();
  private tellClient: (() => void) | undefined;

  constructor(
    private readonly enforcing: (policy: CompiledPolicy) => boolean,
    /** Tool-definition pins (`pin`), when the wrapper keeps them. */
    private readonly pins?: PinGuard,
  ) {}

  /** The server's schema for a tool, as the engine takes it. */
  check(name: string): AdvertisedSchemaCheck | undefined {
    return this.advertised.check(name);
  }

  /** The call was refused for a schema the server has not listed yet: worth asking it once (all pages). */
  needsList(policy: CompiledPolicy, name: string, decision: Decision): boolean {
    return decision.outcome === 'deny' && decision.cause === 'input-schema' && !this.advertised.has(name) && !this.advertised.isComplete && policy.inputSchema === 'enforce';
  }

  /** Every page, but never forever: a cursor seen before or more than MAX_TOOL_LIST_PAGES pages end it. */
  async fetch(context: GateContext): Promise<void> {
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let pages = 0; pages < MAX_TOOL_LIST_PAGES; pages += 1) {
      const page = await context.requestFromServer('tools/list', cursor === undefined ? undefined : { cursor });
      this.advertised.recordPage(page);
      cursor = typeof page.nextCursor === 'string' ? page.nextCursor : undefined;
      if (cursor === undefined || seen.has(cursor)) return;
      seen.add(cursor);
    }
  }

  /** A page the server sent the client, as the client is to see it. */
  filter(policy: CompiledPolicy, result: Record<string, unknown>, bytes?: number): Record<string, unknown> {
    this.advertised.recordPage(result, bytes);
    if (this.pins !== undefined && Array.isArray(result.tools)) this.pins.observe(policy.pin, result.tools);
    if (!this.enforcing(policy) || !Array.isArray(result.tools)) return result;
    // Under "pin": "enforce" a tool changed since it was pinned is hidden until accepted.
    const pins = policy.pin === 'enforce' ? this.pins : undefined;
    const tools = result.tools.filter((tool: unknown) => !isHidden(policy, nameOf(tool)) && !(pins?.isChanged(nameOf(tool)) ?? false));
    return tools.length === result.tools.length ? result : { ...result, tools };
  }

  changed(): void {
    this.advertised.forget();
  }

  watch(tellClient: () => void): void {
    this.tellClient = tellClient;
    this.pins?.watch(tellClient);
  }

  /** The client is told to list again when a tool it was shown is hidden now, or the other way round. */
  policyReplaced(previous: CompiledPolicy, current: CompiledPolicy): void {
    const visible = (policy: CompiledPolicy, name: string): boolean => !this.enforcing(policy) || !isHidden(policy, name);
    for (const name of this.advertised.names()) {
      if (visible(previous, name) !== visible(current, name)) {
        this.tellClient?.();
        return;
      }
    }
  }
}

function nameOf(tool: unknown): string {
  return typeof tool === 'object' && tool !== null && typeof (tool as { name?: unknown }).name === 'string' ? (tool as { name: string }).name : '';
}
