/**
 * Which failed hosts runHosts tries again, over a stand-in for Connections whose every lease
 * fails with a given outcome (the real leases are proven against sshd in the integration tests).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRetriableConnectFailure, runHosts } from '../../../src/runner/host-runner.js';
import type { Connections } from '../../../src/runner/connections.js';
import type { Outcome, UnreachableReason } from '../../../src/core/outcome.js';
import type { HostSpec } from '../../../src/hosts/host-spec.js';

const REASONS: UnreachableReason[] = ['refused', 'connect-timeout', 'dns', 'auth', 'host-key', 'reset', 'protocol', 'config'];
/** Another try cannot mend these: the key, the credentials or the config stay what they were. */
const NOT_RETRIED = ['auth', 'host-key', 'config'];

const unreachable = (reason: UnreachableReason): Outcome => ({ kind: 'unreachable', reason, message: `h: ${reason}` });

/** Connections whose leases fail for host `reason` with that reason, and succeed for `up`. */
function failingConnections(tries: Map<string, number>): Connections {
  return {
    acquire: async (spec: HostSpec) => {
      tries.set(spec.host, (tries.get(spec.host) ?? 0) + 1);
      if (spec.host === 'up') return { ok: true, client: {}, release: () => undefined };
      return { ok: false, outcome: unreachable(spec.host as UnreachableReason) };
    },
    ssh: { log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } },
  } as unknown as Connections;
}

test('the not-retried set: auth, host-key and config refusals; every other connect failure is retried', () => {
  assert.deepEqual(
    REASONS.filter((reason) => !isRetriableConnectFailure({ outcome: unreachable(reason) })),
    NOT_RETRIED,
  );
  assert.equal(isRetriableConnectFailure({ outcome: { kind: 'exited', code: 1 } }), false);
  assert.equal(isRetriableConnectFailure({ outcome: { kind: 'lost', message: 'reset' } }), false);
});

test('runHosts with retries: each retriable host is tried 1 + N times, the others once', async () => {
  const tries = new Map<string, number>();
  const summary = await runHosts({
    hosts: REASONS.map((host) => ({ host })),
    connections: failingConnections(tries),
    work: async () => ({ outcome: { kind: 'exited', code: 0 } }),
    concurrency: 8,
    retries: 2,
    retryPolicy: { firstDelaysMs: [1], everyMs: 1, jitter: 0 },
  });
  assert.deepEqual(
    Object.fromEntries(REASONS.map((r) => [r, tries.get(r)])),
    Object.fromEntries(REASONS.map((r) => [r, NOT_RETRIED.includes(r) ? 1 : 3])),
  );
  assert.deepEqual(summary.results.map((r) => r.attempts), REASONS.map((r) => (NOT_RETRIED.includes(r) ? 1 : 3)));
});

test('runHosts: no retries by default; retryAlso adds results to retry', async () => {
  const tries = new Map<string, number>();
  await runHosts({ hosts: [{ host: 'refused' }], connections: failingConnections(tries), work: async () => ({ outcome: { kind: 'exited', code: 0 } }), concurrency: 1 });
  assert.equal(tries.get('refused'), 1);
  let runs = 0;
  const summary = await runHosts({
    hosts: [{ host: 'up' }],
    connections: failingConnections(tries),
    work: async () => ({ outcome: { kind: 'exited', code: ++runs < 2 ? 1 : 0 } }),
    concurrency: 1,
    retries: 3,
    retryPolicy: { firstDelaysMs: [1], jitter: 0 },
    retryAlso: (w) => w.outcome.kind === 'exited' && w.outcome.code !== 0,
  });
  assert.equal(runs, 2);
  assert.deepEqual(summary.results[0]!.outcome, { kind: 'exited', code: 0 });
});
