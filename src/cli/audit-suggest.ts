import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { access } from 'node:fs/promises';
import { PolicySuggester, DEFAULT_HEADROOM } from '../audit/suggest.js';
import { ExitCode, PolicyWrapError } from '../errors.js';
import { formatProblem, loadPolicyText } from '../policy/index.js';
import { loggedCalls } from './audit-log.js';
import { createProgram, runCommand, sayer } from './command.js';
import type { CliIo } from './io.js';

interface SuggestOptions {
  headroom: string;
  out?: string;
  force?: boolean;
}

/** `policy-wrap audit suggest [--headroom <factor>] [--out <file>] [--force] <file>` */
export async function suggestCommand(own: string[], io: CliIo): Promise<number> {
  const say = sayer('policy-wrap audit suggest', io);
  return runCommand(say, async () => {
    const cli = createProgram({
      name: 'policy-wrap audit suggest',
      usage: '[--headroom <factor>] [--out <file>] [--force] <file>',
      description:
        'Write a policy fitted to an audit log: deny by default; every tool the log shows in use (a call that reached the server) allowed, ' +
        'with at most its peak calls in a rolling minute and in an hour times the headroom, and a timeout of its p99 latency times the headroom. ' +
        'Tools whose calls were all refused stay denied. What was inferred is said on stderr.',
      io,
      say,
    })
      .argument('<file>', 'the audit log')
      .option('--headroom <factor>', 'how much above the observed peaks limits and timeouts are set, at least 1', String(DEFAULT_HEADROOM))
      .option('-o, --out <file>', 'write the policy to this file (created 0600) instead of standard output')
      .option('-f, --force', 'overwrite --out if it exists (without it, an existing file is an error, exit 2)')
      .addHelpText('after', '\nExit codes: 0 written, 2 bad usage, --out exists, or the log cannot be read.')
      .parse(own, { from: 'user' });
    const options = cli.opts<SuggestOptions>();
    const [shown] = cli.processedArgs as [string];
    const headroom = Number(options.headroom);
    if (!/^\d+(\.\d+)?$/.test(options.headroom) || !(headroom >= 1)) {
      throw new PolicyWrapError('audit.bad-headroom', `--headroom ${JSON.stringify(options.headroom)} must be a number of at least 1, like 2 or 1.5`);
    }
    const out = options.out === undefined ? undefined : resolve(io.cwd, options.out);
    if (out !== undefined && !options.force && (await exists(out))) throw refuseExisting(out);

    const suggester = new PolicySuggester(headroom);
    for await (const call of loggedCalls(resolve(io.cwd, shown), shown, say)) suggester.add(call);
    const suggestion = suggester.build();
    const text = `${JSON.stringify(suggestion.document, null, 2)}\n`;
    // The policy is checked as any other would be: it must load, and lint without a word.
    const checked = loadPolicyText(text, options.out ?? 'suggested policy');
    const problems = checked.ok ? checked.warnings : checked.problems;
    if (problems.length > 0) {
      for (const problem of problems) io.stderr.write(`${formatProblem(problem)}\n`);
      throw new PolicyWrapError('audit.suggest-failed', 'the suggested policy does not lint clean; this is a bug in policy-wrap, please report it', { exitCode: ExitCode.problems });
    }

    if (out === undefined) io.stdout.write(text);
    else {
      await writeFile(out, text, { flag: options.force ? 'w' : 'wx', mode: 0o600 }).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST') throw refuseExisting(out);
        throw new PolicyWrapError('audit.write-failed', `cannot write ${out}: ${error.message}`, { cause: error });
      });
    }
    for (const note of suggestion.notes) say.log(note);
    if (out !== undefined) say.log(`wrote ${out}; review it before use: it allows what the log shows, which is not always what should be`);
    return ExitCode.ok;
  });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function refuseExisting(path: string): PolicyWrapError {
  return new PolicyWrapError('audit.out-exists', `${path} already exists; pass --force to overwrite it, or choose another --out`);
}
