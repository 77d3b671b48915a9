import { openStateFile, whenFree } from '../limits/sqlite-store.js';
import type { SqliteDatabase, SqliteDriver } from '../limits/sqlite-driver.js';
import { checkedPin } from './definition.js';
import type { PinnedTool, PinStore } from './types.js';

export interface SqlitePinStoreOptions {
  /** How long a call waits (between event-loop turns) for another process's write lock; default 2000 ms. */
  busyTimeoutMs?: number;
  driver?: SqliteDriver;
}

/*
 * One row per pinned tool, in the counters' file beside their tables (outside their schema
 * version, like the approvals). `definition` is the pinned ToolDefinition as JSON text, kept as
 * written so its digest can be checked again.
 */
const schema = `
  CREATE TABLE IF NOT EXISTS pins (
    server TEXT NOT NULL,
    tool TEXT NOT NULL,
    digest TEXT NOT NULL,
    definition TEXT NOT NULL,
    pinned INTEGER NOT NULL,
    PRIMARY KEY (server, tool)
  ) WITHOUT ROWID;
`;

/**
 * Pins in the SQLite state file, so a wrapper restarted later, and `policy-wrap pin --accept` run
 * from another terminal, see the same ones. The file is created 0600 like the counters'.
 */
export class SqlitePinStore implements PinStore {
  readonly kind = 'sqlite' as const;
  private readonly db: SqliteDatabase;
  private readonly busyTimeoutMs: number;
  private readonly loadNow: (server: string) => Map<string, PinnedTool>;
  private readonly pinNewNow: (server: string, pins: readonly PinnedTool[]) => Map<string, PinnedTool>;
  private readonly replaceNow: (server: string, pins: readonly PinnedTool[]) => void;

  constructor(path: string, options: SqlitePinStoreOptions = {}) {
    this.busyTimeoutMs = options.busyTimeoutMs ?? 2000;
    this.db = openStateFile(path, this.busyTimeoutMs, options.driver, schema);
    const sql = (text: string) => this.db.prepare(text);
    const all = sql(
      "SELECT json_group_array(json_object('name', tool, 'digest', digest, 'definition', definition, 'pinnedMs', pinned)) FROM pins WHERE server = ?",
    );
    const insertNew = sql('INSERT OR IGNORE INTO pins (server, tool, digest, definition, pinned) VALUES (?, ?, ?, ?, ?)');
    const removeAll = sql('DELETE FROM pins WHERE server = ?');
    const insert = sql('INSERT INTO pins (server, tool, digest, definition, pinned) VALUES (?, ?, ?, ?, ?)');

    this.loadNow = (server) => {
      const rows = JSON.parse(all.text(server) ?? '[]') as { definition: string }[];
      const pins = new Map<string, PinnedTool>();
      for (const row of rows) {
        const pin = checkedPin({ ...row, definition: JSON.parse(row.definition) as unknown });
        if (pin !== undefined) pins.set(pin.name, pin);
      }
      return pins;
    };
    this.pinNewNow = this.db.immediate((server: string, pins: readonly PinnedTool[]) => {
      for (const pin of pins) insertNew.run(server, pin.name, pin.digest, JSON.stringify(pin.definition), pin.pinnedMs);
      return this.loadNow(server);
    });
    this.replaceNow = this.db.immediate((server: string, pins: readonly PinnedTool[]) => {
      removeAll.run(server);
      for (const pin of pins) insert.run(server, pin.name, pin.digest, JSON.stringify(pin.definition), pin.pinnedMs);
    });
  }

  load(server: string): Map<string, PinnedTool> | Promise<Map<string, PinnedTool>> {
    return whenFree(this.busyTimeoutMs, () => this.loadNow(server));
  }

  pinNew(server: string, pins: readonly PinnedTool[]): Map<string, PinnedTool> | Promise<Map<string, PinnedTool>> {
    return whenFree(this.busyTimeoutMs, () => this.pinNewNow(server, pins));
  }

  replace(server: string, pins: readonly PinnedTool[]): void | Promise<void> {
    return whenFree(this.busyTimeoutMs, () => this.replaceNow(server, pins));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

}
