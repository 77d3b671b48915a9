/**
 * A Redis URL as messages and the audit log show it: its password, if any, as `***`. One that does
 * not parse has everything from its scheme to its last `@` hidden, so a password never shows.
 */
export function maskedRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.replace(/^([a-z][a-z0-9+.-]*:(?:\/\/)?).*@/is, '$1***@');
  }
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
