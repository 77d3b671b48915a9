import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { openApprovalStore } from '../../src/approvals/open-approval-store.js';
import { renderArguments } from '../../src/approvals/render.js';
import type { ApprovalRequest, ApprovalStore, PendingApproval } from '../../src/approvals/types.js';
import { testRedisUrl } from '../support/redis.js';
import { cli, requireBuild, root, tempDir } from '../support/wrapper.js';

beforeAll(() => requireBuild());

const tmp = tempDir();
afterAll(() => tmp.remove());

/** The environment without the state settings of whoever runs the tests, and no colour. */
function env(): Record<string, string> {
  const { POLICY_WRAP_STATE: _state, ...rest } = process.env;
  const base = Object.fromEntries(Object.entries(rest).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return { ...base, NO_COLOR: '1', FORCE_COLOR: '0' };
}

function run(args: string[], input = '') {
  return execa(process.execPath, [cli, ...args], { cwd: root, env: env(), extendEnv: false, reject: false, input });
}

/** util-linux script gives the CLI a real terminal; without it these tests fail, never skip. */
function requireScript(): void {
  if (spawnSync('script', ['--version']).status !== 0) throw new Error('these tests need util-linux `script` (Debian: bsdutils) to run the CLI on a terminal');
}

/** The CLI on a pseudo-terminal, `answer` typed into it. */
function onTerminal(args: string[], answer: string) {
  requireScript();
  const command = [process.execPath, cli, ...args].map((arg) => `'${arg}'`).join(' ');
  return execa('script', ['-qec', command, '/dev/null'], { cwd: root, env: env(), extendEnv: false, reject: false, input: answer });
}

const args = { playlist: 'Road trip', api_key: 'sk-live-123', note: 'x'.repeat(150) };

function request(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    tool: 'delete_playlist',
    grant: 'family',
    session: 'session-1',
    argumentsDigest: `sha256:${randomUUID().replaceAll('-', '')}`,
    rendering: renderArguments(args),
    server: 'plex-mcp-server',
    remember: { kind: 'call' },
    ...overrides,
  };
}

const lookupOf = (asked: PendingApproval) => ({ tool: asked.tool, grant: asked.grant, session: asked.session, argumentsDigest: asked.argumentsDigest });

interface Backend {
  name: string;
  /** the CLI's state options */
  state(): string[];
  open(): Promise<ApprovalStore>;
}

let sqliteFile = '';
let redisPrefix = '';

const backends: Backend[] = [
  {
    name: 'a SQLite file',
    state: () => ['--state', sqliteFile],
    open: () => openApprovalStore(sqliteFile),
  },
  {
    name: 'Redis',
    state: () => ['--state', testRedisUrl(), '--state-prefix', redisPrefix],
    open: () => openApprovalStore(testRedisUrl(), { redisKeyPrefix: redisPrefix }),
  },
];

describe.each(backends)('approvals, approve and deny through $name', (backend) => {
  let store: ApprovalStore;
  beforeEach(async () => {
    sqliteFile = join(tmp.dir, `${randomUUID()}.sqlite`);
    redisPrefix = `test-approvals-cli-${randomUUID()}:`;
    store = await backend.open();
  });
  afterEach(async () => {
    await store.close();
  });

  test('approvals: "nothing waits for approval" when nothing does', async () => {
    const result = await run(['approvals', ...backend.state()]);
    expect({ exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr }).toEqual({ exitCode: 0, stdout: 'nothing waits for approval', stderr: '' });
    expect(JSON.parse((await run(['approvals', ...backend.state(), '--format', 'json'])).stdout)).toEqual([]);
  });

  test('approvals lists what waits: code, tool, server, grant, rendering (secrets hidden), digest, what it covers', async () => {
    const asked = await store.ask(request({ remember: { kind: 'for', ms: 600_000 } }), 120_000, Date.now());
    const result = await run(['approvals', ...backend.state()]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^${asked.code}  delete_playlist  \\(waiting, asked (just now|1 s ago), expires in (2 min|1 min 5\\d s)\\)$`, 'm'));
    expect(result.stdout).toContain('server:    plex-mcp-server');
    expect(result.stdout).toContain('grant:     family');
    expect(result.stdout).toContain(`arguments: {"playlist": "Road trip", "api_key": [hidden], "note": "${'x'.repeat(120)}…"}`);
    expect(result.stdout).toContain(`digest:    ${asked.argumentsDigest}`);
    expect(result.stdout).toContain('covers:    every call of this tool with these arguments for 10 min after approval');
    expect(result.stdout).not.toContain('sk-live-123');
    const json = await run(['approvals', ...backend.state(), '--format', 'json']);
    expect(JSON.parse(json.stdout)).toEqual([asked]);
  });

  test('approve with stdin not a terminal refuses (exit 2) and leaves the call waiting', async () => {
    const asked = await store.ask(request(), 120_000, Date.now());
    const result = await run(['approve', asked.code, ...backend.state()], 'y\n');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('approvals.not-a-terminal');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(await store.lookup(lookupOf(asked), Date.now())).toMatchObject({ kind: 'pending' });
  });

  test('approve on a terminal answered n: not approved (exit 1), still waiting', async () => {
    const asked = await store.ask(request(), 120_000, Date.now());
    const result = await onTerminal(['approve', asked.code, ...backend.state()], 'n\n');
    expect(result.stdout).toContain('plex-mcp-server wants to run the tool "delete_playlist" (grant family)');
    expect(result.stdout).toContain('Approving covers this one call, once.');
    expect(result.stdout).toContain('Approve? [y/N]');
    expect(result.stdout).toContain(`Not approved: ${asked.code} still waits`);
    expect(result.exitCode).toBe(1);
    expect(await store.lookup(lookupOf(asked), Date.now())).toMatchObject({ kind: 'pending', approval: { code: asked.code } });
  });

  test('approve on a terminal answered y (code typed in lower case, no dash): approved by the OS user, used once', async () => {
    const asked = await store.ask(request(), 120_000, Date.now());
    const result = await onTerminal(['approve', asked.code.replace('-', '').toLowerCase(), ...backend.state()], 'y\n');
    expect(result.stdout).toContain(`Approved ${asked.code}: ask the agent to try the call again.`);
    expect(result.exitCode).toBe(0);
    const listed = JSON.parse((await run(['approvals', ...backend.state(), '--format', 'json'])).stdout) as unknown[];
    expect(listed).toEqual([expect.objectContaining({ code: asked.code, verdict: 'approved', by: userInfo().username })]);
    expect((await run(['approvals', ...backend.state()])).stdout).toMatch(new RegExp(`^${asked.code}  delete_playlist  \\(approved by ${userInfo().username} (just now|\\d s ago), usable once by the next matching call within `, 'm'));
    expect(await store.lookup(lookupOf(asked), Date.now())).toMatchObject({ kind: 'decided', approval: { verdict: 'approved', by: userInfo().username } });
    expect(await store.lookup(lookupOf(asked), Date.now())).toEqual({ kind: 'none' });
    const again = await onTerminal(['approve', asked.code, ...backend.state()], 'y\n');
    expect(again.exitCode).toBe(1);
    expect(again.stdout).toContain('approvals.unknown-code');
  });

  test('deny needs no terminal; the next matching call finds the denial', async () => {
    const asked = await store.ask(request(), 120_000, Date.now());
    const result = await run(['deny', asked.code, ...backend.state()]);
    expect(result.stdout).toBe(`Denied ${asked.code}: delete_playlist on plex-mcp-server (grant family); the agent's next try is refused.`);
    expect(result.exitCode).toBe(0);
    expect(await store.lookup(lookupOf(asked), Date.now())).toMatchObject({ kind: 'decided', approval: { verdict: 'denied', by: userInfo().username } });
    const twice = await run(['deny', asked.code, ...backend.state()]);
    expect(twice.exitCode).toBe(1);
    expect(twice.stderr).toContain('approvals.unknown-code');
  });

  test('an answered code cannot be answered again', async () => {
    const asked = await store.ask(request(), 120_000, Date.now());
    expect(await store.decide(asked.code, 'approved', 'alice', Date.now())).toBe(true);
    const result = await run(['deny', asked.code, ...backend.state()]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('approvals.already-decided');
  });

  test('an unknown or expired code: exit 1, approvals.unknown-code', async () => {
    const expired = await store.ask(request(), 1, Date.now() - 1_000);
    for (const code of ['ZZZZ-ZZZZ', expired.code]) {
      const denied = await run(['deny', code, ...backend.state()]);
      expect(denied.exitCode).toBe(1);
      expect(denied.stderr).toMatch(/^policy-wrap deny: approvals\.unknown-code: no call waits for approval with code /);
      const approved = await onTerminal(['approve', code, ...backend.state()], 'y\n');
      expect(approved.exitCode).toBe(1);
      expect(approved.stdout).toContain('approvals.unknown-code');
    }
  });
});

describe('the approval commands themselves', () => {
  test('a code that cannot be one is a usage error (exit 2)', async () => {
    const result = await run(['deny', 'nope', '--state', join(tmp.dir, 'none.sqlite')]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('approvals.invalid-code');
  });

  test('a SQLite file that does not exist is read as empty and is not created', async () => {
    const file = join(tmp.dir, 'never', 'made.sqlite');
    expect((await run(['approvals', '--state', file])).stdout).toBe('nothing waits for approval');
    expect((await run(['deny', 'ZZZZ-ZZZZ', '--state', file])).exitCode).toBe(1);
    expect(spawnSync('test', ['-e', file]).status).toBe(1);
  });

  test('help approve, help deny and help approvals work and say what they need', async () => {
    const approve = await run(['help', 'approve']);
    expect(approve.exitCode).toBe(0);
    expect(approve.stdout).toContain('Usage: policy-wrap approve <code>');
    expect(approve.stdout).toContain('interactive terminal');
    const deny = await run(['deny', '--help']);
    expect(deny.stdout).toContain('needs no terminal');
    expect((await run(['help', 'approvals'])).stdout).toContain('--format <format>');
  });

  test('no code given: usage error', async () => {
    const result = await run(['approve']);
    expect(result.exitCode).toBe(2);
  });
});
