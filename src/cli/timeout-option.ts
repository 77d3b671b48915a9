import { Option } from 'commander';
import { PolicyWrapError } from '../errors.js';

/**
 * The longest --timeout: a day, as for a tool's `timeout` in the policy. Node fires a timer set
 * past 2^31-1 ms (about 24.8 days) at once, so a larger value would mean no wait at all.
 */
export const MAX_TIMEOUT_SECONDS = 86_400;

/** `--timeout <seconds>` of the commands that start a server to read its tools; default 30. */
export function timeoutOption(description: string): Option {
  return new Option('--timeout <seconds>', description).default('30', '30');
}

/** The seconds `--timeout` gave; anything but a number above 0 and at most a day is `cli.bad-timeout` (exit 2). */
export function timeoutSeconds(value: string): number {
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_TIMEOUT_SECONDS) {
    throw new PolicyWrapError('cli.bad-timeout', `--timeout ${value}: give a number of seconds above 0, at most ${MAX_TIMEOUT_SECONDS} (a day)`);
  }
  return seconds;
}
