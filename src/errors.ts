/**
 * Stable exit codes. Scripts and MCP hosts may branch on them, so they never change meaning.
 */
export const ExitCode = {
  ok: 0,
  /** lint found at least one error */
  problems: 1,
  /** bad command line, or a policy that cannot be used (missing, unreadable, invalid) */
  usage: 2,
  /** the server command could not be started */
  commandNotFound: 127,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * Every error the wrapper reports on purpose. `code` is stable (tests and scripts check it);
 * `message` is one line for a person: what failed, where, what to do.
 */
export class PolicyWrapError extends Error {
  readonly code: string;
  readonly exitCode: number;

  constructor(code: string, message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PolicyWrapError';
    this.code = code;
    this.exitCode = options.exitCode ?? ExitCode.usage;
  }
}
