import type { GateContext } from '../../src/proxy/gate.js';

/**
 * A GateContext for tests that drive a gate directly: no server and a client that cannot be asked
 * anything, unless `overrides` says otherwise.
 */
export function gateContext(overrides: Partial<GateContext> = {}): GateContext {
  return {
    requestFromServer: () => Promise.reject(new Error('no server in this test')),
    client: () => ({ elicitationForm: false, acceptsRequests: false }),
    requestFromClient: (method) => ({ answer: Promise.reject(new Error(`no client in this test to answer ${method}`)), cancel: () => undefined }),
    ...overrides,
  };
}
