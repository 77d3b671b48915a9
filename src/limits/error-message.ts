/**
 * The message of anything thrown. Checks the shape rather than `instanceof Error`: errors from
 * native modules (better-sqlite3) come from another realm under some runners.
 */
export function errorMessage(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}
