import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openApprovalStore } from '../../../src/approvals/open-approval-store.js';
import { repoRoot } from './scratch.js';
import { request, t0 } from './contract.js';

const child = fileURLToPath(new URL('./race-child.mjs', import.meta.url));
const contenders = 6;
const count = 30;

interface Outcome {
  decided: string[];
  errors: string[];
}

function start(args: string[]): { ready: Promise<void>; go(): void; done: Promise<Outcome> } {
  const process_ = spawn(process.execPath, [child, ...args], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  process_.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  process_.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.startsWith('ready\n')) markReady();
  });
  const done = new Promise<Outcome>((resolve, reject) => {
    process_.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`race child exited ${code}: ${err}`));
      else resolve(JSON.parse(last) as Outcome);
    });
  });
  return { ready: Promise.race([ready, done.then(() => undefined)]), go: () => process_.stdin.write('go\n'), done };
}

/**
 * Seeds `count` one-call approvals and denials in the store `spec` names, then lets `contenders`
 * processes look every one up at once: each verdict must reach exactly one of them.
 */
export async function raceForVerdicts(spec: string, keyPrefix: string): Promise<void> {
  const store = await openApprovalStore(spec, { redisKeyPrefix: keyPrefix, env: {} });
  const digests: string[] = [];
  try {
    for (let i = 0; i < count; i += 1) {
      const digest = `sha256:race-${i}`;
      const asked = await store.ask(request({ argumentsDigest: digest, session: 'race' }), 600_000, t0);
      expect(await store.decide(asked.code, i % 2 === 0 ? 'approved' : 'denied', 'alice', t0 + 1)).toBe(true);
      digests.push(digest);
    }
  } finally {
    await store.close();
  }
  const children = Array.from({ length: contenders }, () => start([spec, keyPrefix, digests.join(','), String(t0 + 2)]));
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.go();
  const outcomes = await Promise.all(children.map((c) => c.done));
  expect(outcomes.flatMap((outcome) => outcome.errors)).toEqual([]);
  const got = outcomes.flatMap((outcome) => outcome.decided).sort();
  expect(got).toEqual([...digests].sort());
  const after = await openApprovalStore(spec, { redisKeyPrefix: keyPrefix, env: {} });
  try {
    expect(await after.list(t0 + 3)).toEqual([]);
  } finally {
    await after.close();
  }
}
