import type { PinnedTool, PinStore } from './types.js';

/** Pins in this process only: with `--state memory` they last one wrapper session. */
export class MemoryPinStore implements PinStore {
  readonly kind = 'memory' as const;
  private readonly servers = new Map<string, Map<string, PinnedTool>>();

  load(server: string): Map<string, PinnedTool> {
    return new Map(this.servers.get(server));
  }

  pinNew(server: string, pins: readonly PinnedTool[]): Map<string, PinnedTool> {
    const stored = this.servers.get(server) ?? new Map<string, PinnedTool>();
    for (const pin of pins) if (!stored.has(pin.name)) stored.set(pin.name, pin);
    this.servers.set(server, stored);
    return new Map(stored);
  }

  replace(server: string, pins: readonly PinnedTool[]): void {
    this.servers.set(server, new Map(pins.map((pin) => [pin.name, pin])));
  }

  async close(): Promise<void> {}
}
