/**
 * Tool-definition pins (`"pin": "warn" | "enforce"`): what a server's tools looked like when the
 * wrapper first saw them, kept in the state store beside the counters so that a later change (the
 * "rug pull") is noticed across restarts, and `policy-wrap pin --accept` in another terminal can
 * accept it. Nothing in a pin is a secret: the definitions are what the server tells every client.
 */

/** The parts of a tool a pin covers: what the model reads and what calls must look like. */
export interface ToolDefinition {
  name: string;
  description?: unknown;
  inputSchema?: unknown;
  annotations?: unknown;
}

export interface PinnedTool {
  name: string;
  /** `sha256:` of the canonical JSON of `definition` */
  digest: string;
  definition: ToolDefinition;
  /** when it was pinned or last accepted */
  pinnedMs: number;
}

export type MaybePromise<T> = T | Promise<T>;

export interface PinStore {
  readonly kind: 'memory' | 'sqlite' | 'redis';
  /** Every pin of one server (see pinServerKey), by tool name. */
  load(server: string): MaybePromise<Map<string, PinnedTool>>;
  /**
   * Pins the tools that have no pin yet and never replaces one (two wrappers seeing a server for
   * the first time agree on the first pin written); returns every pin of the server afterwards.
   */
  pinNew(server: string, pins: readonly PinnedTool[]): MaybePromise<Map<string, PinnedTool>>;
  /** `pin --accept`: the server's pins become exactly these (tools no longer listed are forgotten). */
  replace(server: string, pins: readonly PinnedTool[]): MaybePromise<void>;
  close(): Promise<void>;
}
