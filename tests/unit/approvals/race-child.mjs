// One contender racing for approvals (tests/unit/approvals/*race*): built code, so npm run build first.
//   node race-child.mjs <state spec> <key prefix> <digests, comma-separated> <nowMs>
// Opens the store, prints "ready", waits for "go" on stdin, looks each digest up once (in a
// shuffled order) and prints {"decided":[digests it got a verdict for],"errors":[...]}.
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const built = new URL('../../../dist/approvals/open-approval-store.js', import.meta.url);
if (!existsSync(fileURLToPath(built))) {
  process.stderr.write(`${fileURLToPath(built)} is missing: run npm run build first\n`);
  process.exit(2);
}
const { openApprovalStore } = await import(built.href);
const [spec, keyPrefix, digests, nowMs] = process.argv.slice(2);
const store = await openApprovalStore(spec, { redisKeyPrefix: keyPrefix, env: {} });
const order = digests.split(',').sort(() => Math.random() - 0.5);

const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
for await (const line of lines) if (line === 'go') break;

const outcome = { decided: [], errors: [] };
for (const digest of order) {
  try {
    const found = await store.lookup({ tool: 'delete_playlist', grant: 'default', session: 'race', argumentsDigest: digest }, Number(nowMs));
    if (found.kind === 'decided') outcome.decided.push(digest);
  } catch (error) {
    outcome.errors.push(error.message);
  }
}
await store.close();
process.stdout.write(`${JSON.stringify(outcome)}\n`);
process.exit(0);
