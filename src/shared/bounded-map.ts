export interface MapBounds<K, V> {
  /** Most entries held at once. */
  maxEntries: number;
  /** Most bytes held at once, as `sizeOf` counts them. */
  maxBytes: number;
  /** About how many bytes an entry holds: see `stringBytes` and `ENTRY_BYTES`. */
  sizeOf(key: K, value: V): number;
  /** Told of every entry forgotten to make room for a newer one. */
  onEvict?(key: K, value: V): void;
}

/** What a Map entry and its bookkeeping cost besides the key and value themselves, about. */
export const ENTRY_BYTES = 64;

/** Bytes a string may take: two per UTF-16 code unit. */
export function stringBytes(text: string): number {
  return 2 * text.length;
}

/**
 * A Map for keys and values others choose (the client's tool names, the server's schemas): bounded
 * in entries and in bytes, so neither many small entries nor a few large ones can grow the wrapper
 * without end. The oldest entries (by when they were set) make room for a new one; an entry larger
 * than `maxBytes` on its own is not kept at all.
 */
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, { value: V; bytes: number }>();
  private held = 0;

  constructor(private readonly bounds: MapBounds<K, V>) {}

  get size(): number {
    return this.entries.size;
  }

  /** Bytes held now, as `sizeOf` counted them. */
  get bytes(): number {
    return this.held;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  get(key: K): V | undefined {
    return this.entries.get(key)?.value;
  }

  /** Sets `key` as the newest entry; false when the entry alone is over `maxBytes` and was not kept. */
  set(key: K, value: V): boolean {
    this.delete(key);
    const { maxEntries, maxBytes } = this.bounds;
    const bytes = this.bounds.sizeOf(key, value);
    if (bytes > maxBytes || maxEntries < 1) return false;
    while (this.entries.size >= maxEntries || this.held + bytes > maxBytes) this.evictOldest();
    this.entries.set(key, { value, bytes });
    this.held += bytes;
    return true;
  }

  delete(key: K): boolean {
    const entry = this.entries.get(key);
    if (entry === undefined) return false;
    this.entries.delete(key);
    this.held -= entry.bytes;
    return true;
  }

  clear(): void {
    this.entries.clear();
    this.held = 0;
  }

  keys(): IterableIterator<K> {
    return this.entries.keys();
  }

  private evictOldest(): void {
    const oldest = this.entries.entries().next();
    if (oldest.done) return;
    const [key, entry] = oldest.value;
    this.entries.delete(key);
    this.held -= entry.bytes;
    this.bounds.onEvict?.(key, entry.value);
  }
}
