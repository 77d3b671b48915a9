import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ErrorCode, McpError, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { ExitCode, PolicyWrapError } from '../errors.js';
import type { CliIo } from './io.js';
import { packageVersion } from './version.js';

export interface ListToolsOptions {
  /** Seconds the server gets to start, and then for each page of tools/list. */
  timeoutSeconds: number;
  /** How the client introduces itself, e.g. "policy-wrap-lint". */
  clientName: string;
  /** Prefix of the error codes, e.g. "lint" gives lint.server-failed. */
  codePrefix: string;
}

/**
 * Starts the server (`command` is the executable and its arguments), reads every page of
 * tools/list, and stops it again. The server's stderr goes to ours; its environment is ours.
 */
export async function listServerTools(command: readonly string[], options: ListToolsOptions, io: CliIo): Promise<Tool[]> {
  const [executable = '', ...args] = command;
  const transport = new StdioClientTransport({ command: executable, args, env: definedEnv(io.env), cwd: io.cwd, stderr: 'pipe' });
  transport.stderr?.on('data', (chunk: Buffer) => io.stderr.write(chunk));
  const client = new Client({ name: options.clientName, version: packageVersion() });
  const requestOptions = { timeout: options.timeoutSeconds * 1000 };
  try {
    await client.connect(transport, requestOptions);
    const tools: Tool[] = [];
    const seenCursors = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor === undefined ? undefined : { cursor }, requestOptions);
      tools.push(...page.tools);
      cursor = page.nextCursor;
      if (cursor !== undefined && seenCursors.has(cursor)) throw new Error(`tools/list repeated the cursor ${JSON.stringify(cursor)}`);
      if (cursor !== undefined) seenCursors.add(cursor);
    } while (cursor !== undefined);
    return tools;
  } catch (error) {
    throw serverFailure(command, error, options);
  } finally {
    await client.close();
  }
}

function serverFailure(command: readonly string[], error: unknown, options: ListToolsOptions): PolicyWrapError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'EACCES') {
    return new PolicyWrapError(`${options.codePrefix}.command-not-found`, `cannot start ${command[0] ?? ''}: ${code === 'ENOENT' ? 'not found' : 'permission denied'}`, {
      exitCode: ExitCode.commandNotFound,
      cause: error,
    });
  }
  let detail = error instanceof Error ? error.message : String(error);
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
    detail = `no answer within ${options.timeoutSeconds} second${options.timeoutSeconds === 1 ? '' : 's'}`;
  } else if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) {
    detail = 'it stopped before listing its tools (its own messages, if any, are above)';
  }
  return new PolicyWrapError(`${options.codePrefix}.server-failed`, `could not read the tools of \`${command.join(' ')}\`: ${detail}`, {
    exitCode: ExitCode.problems,
    cause: error,
  });
}

function definedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
