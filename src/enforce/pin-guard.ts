import type { AuditSink } from '../audit/sink.js';
import type { Clock } from '../limits/types.js';
import { canonicalDigest, type PinMode } from '../policy/index.js';
import { changedParts, definitionOf, pinOf } from '../pins/definition.js';
import type { PinnedTool, PinStore, ToolDefinition } from '../pins/types.js';
import { MAX_TOOL_NAME_LENGTH } from '../shared/tool-names.js';
import { errorMessage } from '../shared/values.js';

export interface PinGuardOptions {
  /** Whose pins (pinServerKey: the policy's namespace and the server's command line). */
  server: string;
  /** Opened on first use and kept. */
  store: () => Promise<PinStore>;
  clock: Clock;
  session: string;
  grant: string;
  audit?: AuditSink;
  /** One line on stderr. */
  log?: (message: string) => void;
  /** The command a person runs to review and accept: "policy-wrap pin --policy p.json --accept -- <server command>". */
  acceptHint: string;
}

/** The server chooses how many tools it lists: at most this many definitions are kept. */
const MAX_TOOLS = 10_000;

interface Seen {
  definition: ToolDefinition;
  digest: string;
}

/**
 * The one owner of the wrapper's pins: the pinned definitions (read from the store at start and
 * again whenever a changed tool is listed or called, so an acceptance from another process is
 * noticed then), the definitions the server lists now, and the names whose definition differs
 * from its pin. Tools never pinned are pinned when first listed (a new tool is not a change of a
 * reviewed one); the first pin written wins. A change is logged and audited once per new
 * definition. The per-call check is one Set lookup (`isChanged`).
 */
export class PinGuard {
  private pinned: Map<string, PinnedTool> | undefined;
  private loading: Promise<void> | undefined;
  private refreshing: Promise<void> | undefined;
  private readonly current = new Map<string, Seen>();
  private readonly changed = new Set<string>();
  private readonly parts = new Map<string, string[]>();
  private readonly reported = new Set<string>();
  private mode: PinMode = 'off';
  private tellClient: (() => void) | undefined;
  private storeProblem: string | undefined;

  constructor(private readonly options: PinGuardOptions) {}

  /** Reads the server's pins; the wrapper awaits it before the session starts, so the first list is judged. */
  load(): Promise<void> {
    this.loading ??= this.update(async (store) => store.load(this.options.server)).catch((error: unknown) => {
      this.loading = undefined;
      throw error;
    });
    return this.loading;
  }

  get isLoaded(): boolean {
    return this.pinned !== undefined;
  }

  watch(tellClient: () => void): void {
    this.tellClient = tellClient;
  }

  /** Whether the tool's definition differs from its pin now. */
  isChanged(name: string): boolean {
    return this.changed.has(name);
  }

  /** The tools of one tools/list page, as the server sent them. */
  observe(mode: PinMode, tools: readonly unknown[]): void {
    this.mode = mode;
    if (mode === 'off') return;
    for (const tool of tools) {
      const definition = definitionOf(tool);
      if (definition === undefined || definition.name.length > MAX_TOOL_NAME_LENGTH) continue;
      if (!this.current.has(definition.name) && this.current.size >= MAX_TOOLS) continue;
      this.current.set(definition.name, { definition, digest: canonicalDigest(definition) });
    }
    if (this.pinned === undefined) {
      // Pinning was turned on by a reloaded policy: judged once the pins are read.
      this.load().catch((error: unknown) => this.options.log?.(`cannot read tool pins: ${errorMessage(error)}`));
      return;
    }
    const fresh = this.reconcile();
    if (fresh.length > 0) void this.update(async (store) => store.pinNew(this.options.server, fresh));
    // A changed tool listed again: perhaps accepted meanwhile.
    else if (this.changed.size > 0) void this.refresh();
  }

  /** Reads the pins again (once at a time) and settles which tools are changed. */
  refresh(): Promise<void> {
    this.refreshing ??= this.update(async (store) => store.load(this.options.server)).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** Why a call of a changed tool is refused. */
  reason(name: string): string {
    const parts = this.parts.get(name) ?? ['definition'];
    return `the server changed the ${parts.join(' and ')} of ${name} since it was pinned; run ${this.options.acceptHint} to review the change and accept it`;
  }

  /** Compares what is listed with what is pinned; returns pins to write for tools never pinned. */
  private reconcile(): PinnedTool[] {
    const pinned = this.pinned;
    if (pinned === undefined) return [];
    const fresh: PinnedTool[] = [];
    for (const [name, seen] of this.current) {
      const pin = pinned.get(name);
      if (pin === undefined) fresh.push(pinOf(seen.definition, this.options.clock()));
      if (pin === undefined || pin.digest === seen.digest) {
        this.changed.delete(name);
        this.parts.delete(name);
        continue;
      }
      this.changed.add(name);
      const parts = changedParts(pin.definition, seen.definition);
      this.parts.set(name, parts.length > 0 ? parts : ['definition']);
      this.report(name, pin, seen);
    }
    return fresh;
  }

  private report(name: string, pin: PinnedTool, seen: Seen): void {
    const key = `${name}\u0000${pin.digest}\u0000${seen.digest}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const parts = this.parts.get(name) ?? ['definition'];
    const what = this.mode === 'enforce' ? 'hidden and its calls refused until accepted' : 'still callable ("pin": "warn")';
    this.options.log?.(`the server changed the ${parts.join(' and ')} of tool ${name} since it was pinned: ${what}; review with ${this.options.acceptHint.replace(' --accept', '')}`);
    this.options.audit?.write({
      time: new Date(this.options.clock()).toISOString(),
      event: 'tool-changed',
      session: this.options.session,
      grant: this.options.grant,
      tool: name,
      pin: this.mode,
      changed: parts,
      pinnedDigest: pin.digest,
      digest: seen.digest,
    });
  }

  /** Takes new pins from the store, settles, writes pins for new tools, and tells the client when what it may see changed. */
  private async update(read: (store: PinStore) => Promise<Map<string, PinnedTool>>): Promise<void> {
    const before = [...this.changed].sort().join('\u0000');
    let store: PinStore;
    try {
      store = await this.options.store();
      this.pinned = await read(store);
      this.storeProblem = undefined;
    } catch (error) {
      if (this.pinned === undefined) throw error;
      const problem = errorMessage(error);
      if (problem !== this.storeProblem) this.options.log?.(`cannot read or write tool pins: ${problem}; the pins read before stay in force`);
      this.storeProblem = problem;
      return;
    }
    const fresh = this.reconcile();
    if (fresh.length > 0) {
      try {
        this.pinned = await store.pinNew(this.options.server, fresh);
        this.reconcile();
      } catch (error) {
        this.options.log?.(`cannot record tool pins: ${errorMessage(error)}`);
      }
    }
    if (this.mode === 'enforce' && [...this.changed].sort().join('\u0000') !== before) this.tellClient?.();
  }
}
