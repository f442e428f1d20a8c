import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { SSHTTPAgent, SSHTTPSAgent } from '../../../src/bundle/http-agents.js';

const require = createRequire(import.meta.url);

test("http-agents stand-in: each agent is ssh2's own, built at its construction", () => {
  const real = require('ssh2/lib/http-agents.js') as Record<string, new (...a: unknown[]) => object>;
  const http = new SSHTTPAgent({ host: 'h' }, { keepAlive: false });
  const https = new SSHTTPSAgent({ host: 'h' }, {});
  assert.ok(http instanceof real['SSHTTPAgent']!);
  assert.ok(http instanceof HttpAgent);
  assert.ok(https instanceof real['SSHTTPSAgent']!);
  assert.ok(https instanceof HttpsAgent);
  assert.deepEqual((http as { _connectCfg?: unknown })._connectCfg, { host: 'h' });
});
