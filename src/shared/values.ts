/** Guards for values read from JSON and for what functions may return, used by every part. */

/** A JSON object: not null, not an array. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A result that may come now or later (a store, a gate): true when it is a promise to wait for. */
export function isPromiseLike<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * The message of anything thrown. Checks the shape rather than `instanceof Error`: errors from
 * native modules come from another realm under some runners.
 */
export function errorMessage(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}
