import { Chalk, supportsColor, supportsColorStderr, type ChalkInstance, type ColorSupportLevel } from 'chalk';

/**
 * A chalk for one output stream. The process's own stdout and stderr get chalk's detection
 * (FORCE_COLOR, the terminal, CI), plus NO_COLOR, which chalk does not read: set and not empty,
 * it turns colour off unless FORCE_COLOR is set too (as in Node itself). Streams the tests pass in
 * follow the same variables from `env`, and their isTTY.
 */
export function colours(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): ChalkInstance {
  return new Chalk({ level: colourLevel(stream, env) });
}

export function colourLevel(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): ColorSupportLevel {
  const forced = env.FORCE_COLOR;
  if (forced === undefined && env.NO_COLOR) return 0;
  if (stream === process.stdout) return supportsColor ? supportsColor.level : 0;
  if (stream === process.stderr) return supportsColorStderr ? supportsColorStderr.level : 0;
  if (forced !== undefined) return forcedLevel(forced);
  return stream.isTTY ? 1 : 0;
}

/** FORCE_COLOR as chalk reads it: "" or "true" is 1, "false" is 0, else the number, at most 3. */
function forcedLevel(value: string): ColorSupportLevel {
  if (value === '' || value === 'true') return 1;
  if (value === 'false') return 0;
  const level = Math.min(Number.parseInt(value, 10), 3);
  return (Number.isNaN(level) || level < 0 ? 0 : level) as ColorSupportLevel;
}
