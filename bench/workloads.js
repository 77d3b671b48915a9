// What each run does to the process under test. A workload gets a client whose handshake is done,
// warms the path up, then measures. Every answer is checked, so a configuration that fails or
// refuses a call it should pass cannot look fast.
import { performance } from 'node:perf_hooks';

const MiB = 1024 * 1024;

/**
 * Sizes per run. Quick mode is a smoke run: the same code paths, fewer calls.
 * @param {boolean} quick
 */
export function workloadSizes(quick) {
  return quick
    ? { small: [50, 300], inflight: [100, 1000], blob1: [1, 8], blob16: [1, 2], toolsList: [10, 60], refused: [50, 300] }
    : { small: [300, 2000], inflight: [300, 4000], blob1: [3, 40], blob16: [1, 6], toolsList: [50, 300], refused: [200, 1000] };
}

/** @param {boolean} quick */
export function workloads(quick) {
  const sizes = workloadSizes(quick);
  return [
    {
      id: 'small',
      title: 'Small tools/call, one at a time',
      kind: 'latency',
      calls: sizes.small[1],
      run: (client, config, meter) => sequential(client, meter, sizes.small, echoCall, expectEcho),
    },
    {
      id: 'inflight32',
      title: 'Small tools/call, 32 in flight',
      kind: 'rate',
      calls: sizes.inflight[1],
      run: (client, config, meter) => concurrent(client, meter, sizes.inflight, 32, echoCall, expectEcho),
    },
    {
      id: 'blob1m',
      title: '1 MiB results',
      kind: 'bytes',
      calls: sizes.blob1[1],
      messageBytes: MiB,
      run: (client, config, meter) => sequential(client, meter, sizes.blob1, blobCall(MiB), expectBlob(MiB)),
    },
    {
      id: 'blob16m',
      title: '16 MiB results',
      kind: 'bytes',
      calls: sizes.blob16[1],
      messageBytes: 16 * MiB,
      memory: true,
      run: (client, config, meter) => sequential(client, meter, sizes.blob16, blobCall(16 * MiB), expectBlob(16 * MiB)),
    },
    {
      id: 'toolsList',
      title: 'tools/list of the Plex catalogue',
      kind: 'latency',
      calls: sizes.toolsList[1],
      run: (client, config, meter) => sequential(client, meter, sizes.toolsList, () => ['tools/list', undefined], expectToolsList),
    },
    {
      id: 'refused',
      title: 'A call the enforcing policy refuses',
      kind: 'latency',
      calls: sizes.refused[1],
      run: (client, config, meter) => sequential(client, meter, sizes.refused, refusedCall, config.enforcing ? expectRefusal : expectPlexResult),
    },
  ];
}

const echoArguments = { name: 'echo', arguments: { text: 'hello' } };
const echoCall = () => ['tools/call', echoArguments];
const blobCall = (bytes) => {
  const params = { name: 'blob', arguments: { bytes } };
  return () => ['tools/call', params];
};
// delete_playlist is denied by rule with hide:false in bench/policies/enforcing.json.
const refusedParams = { name: 'delete_playlist', arguments: { playlistId: '17' } };
const refusedCall = () => ['tools/call', refusedParams];

function expectEcho(answer) {
  const text = answer.message?.result?.content?.[0]?.text;
  if (text !== 'hello') throw new Error(`echo answered ${answer.head}`);
}

function expectBlob(bytes) {
  return (answer) => {
    if (answer.size < bytes || !/^\s*\{[^{]*"result"\s*:/.test(answer.head)) {
      throw new Error(`blob of ${bytes} bytes answered ${answer.size} bytes: ${answer.head.slice(0, 300)}`);
    }
  };
}

function expectToolsList(answer) {
  const tools = answer.message?.result?.tools;
  if (!Array.isArray(tools) || !tools.some((tool) => tool.name === 'echo')) throw new Error(`tools/list answered ${answer.head}`);
}

function expectRefusal(answer) {
  const result = answer.message?.result;
  if (result?.isError !== true || result._meta?.['policy-wrap/decision']?.decision !== 'deny') {
    throw new Error(`expected a refusal, got ${answer.head}`);
  }
}

function expectPlexResult(answer) {
  if (answer.message?.result?.isError === true || !answer.message?.result) throw new Error(`delete_playlist answered ${answer.head}`);
}

/**
 * @typedef {object} Meter
 * @property {() => void} start called when the measured part begins (after the warm-up)
 * @property {() => object} stop called when it ends; what it returns is kept with the run
 */

/**
 * One call at a time: latency of each, and the rate they add up to.
 * @param {Meter} meter
 * @returns {Promise<{calls: number, elapsedMs: number, bytes: number, latencies: Float64Array, meter: object}>}
 */
async function sequential(client, meter, [warmup, calls], makeCall, check) {
  for (let i = 0; i < warmup; i++) check(await client.request(...makeCall()));
  const latencies = new Float64Array(calls);
  let bytes = 0;
  meter.start();
  const started = performance.now();
  for (let i = 0; i < calls; i++) {
    const sent = performance.now();
    const answer = await client.request(...makeCall());
    latencies[i] = answer.at - sent;
    bytes += answer.size + 1;
    check(answer);
  }
  const elapsedMs = performance.now() - started;
  return { calls, elapsedMs, bytes, latencies, meter: meter.stop() };
}

/** `depth` calls always in flight until `calls` have been answered. */
async function concurrent(client, meter, [warmup, calls], depth, makeCall, check) {
  await drive(client, warmup, depth, makeCall, check);
  meter.start();
  const started = performance.now();
  const bytes = await drive(client, calls, depth, makeCall, check);
  const elapsedMs = performance.now() - started;
  return { calls, elapsedMs, bytes, meter: meter.stop() };
}

async function drive(client, calls, depth, makeCall, check) {
  let issued = 0;
  let bytes = 0;
  async function lane() {
    while (issued < calls) {
      issued++;
      const answer = await client.request(...makeCall());
      bytes += answer.size + 1;
      check(answer);
    }
  }
  await Promise.all(Array.from({ length: Math.min(depth, calls) }, lane));
  return bytes;
}
