import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { cpuFactsFromCpuinfo, cpuFeatures } from '../../../src/bundle/cpu-features.js';

const require = createRequire(import.meta.url);

const X86 = 'processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme sse2 aes avx\nvmx flags\t: vnmi\nbugs\t\t: spectre_v1\n\nprocessor\t: 1\n';

test('cpuinfo: the flags line of the first processor on x86, as cpu-features names the arch', () => {
  assert.deepEqual(cpuFactsFromCpuinfo(X86, 'x64'), { arch: 'x86', flags: { aes: true } });
  assert.deepEqual(cpuFactsFromCpuinfo(X86, 'ia32'), { arch: 'x86', flags: { aes: true } });
  assert.deepEqual(cpuFactsFromCpuinfo(X86.replace(' aes', ''), 'x64'), { arch: 'x86', flags: { aes: false } });
  // A flag that only contains "aes" is not it.
  assert.deepEqual(cpuFactsFromCpuinfo(X86.replace(' aes', ' vaes'), 'x64'), { arch: 'x86', flags: { aes: false } });
});

test('cpuinfo: the Features line on ARM; Node arch names elsewhere (ssh2 compares with x86 only)', () => {
  const arm = 'processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm aes pmull sha1\nCPU implementer\t: 0x41\n\n';
  assert.deepEqual(cpuFactsFromCpuinfo(arm, 'arm64'), { arch: 'arm64', flags: { aes: true } });
});

test('cpuinfo: no answer from a cut first block or one without a flags line', () => {
  assert.equal(cpuFactsFromCpuinfo('processor\t: 0\nflags\t\t: fpu aes', 'x64'), undefined);
  assert.equal(cpuFactsFromCpuinfo('processor\t: 0\nmodel name\t: x\n\nflags\t\t: aes\n\n', 'x64'), undefined);
  assert.equal(cpuFactsFromCpuinfo('', 'x64'), undefined);
});

test('on this machine the stand-in tells what the cpu-features package tells ssh2 (arch x86 or not, AES)', () => {
  const real = (require('cpu-features') as () => { arch: string; flags: Record<string, boolean> })();
  const mine = cpuFeatures();
  assert.equal(mine.arch === 'x86', real.arch === 'x86');
  assert.equal(mine.flags['aes'], real.flags['aes']);
});

test("ssh2's cipher, key exchange, host key and MAC lists are the same with the stand-in as with cpu-features", () => {
  type Lists = Record<'DEFAULT_CIPHER' | 'SUPPORTED_CIPHER' | 'DEFAULT_KEX' | 'DEFAULT_SERVER_HOST_KEY' | 'DEFAULT_MAC', string[]>;
  const constants = require.resolve('ssh2/lib/protocol/constants.js');
  const lists = (): Lists => {
    delete require.cache[constants];
    const c = require(constants) as Lists;
    return { DEFAULT_CIPHER: c.DEFAULT_CIPHER, SUPPORTED_CIPHER: c.SUPPORTED_CIPHER, DEFAULT_KEX: c.DEFAULT_KEX, DEFAULT_SERVER_HOST_KEY: c.DEFAULT_SERVER_HOST_KEY, DEFAULT_MAC: c.DEFAULT_MAC };
  };
  const withPackage = lists();
  const Module = require('node:module') as { _load: (request: string, ...rest: unknown[]) => unknown };
  const load = Module._load;
  let asked = 0;
  Module._load = function (this: unknown, request: string, ...rest: unknown[]) {
    if (request !== 'cpu-features') return load.call(this, request, ...rest);
    asked++;
    return cpuFeatures;
  };
  try {
    assert.deepEqual(lists(), withPackage);
  } finally {
    Module._load = load;
  }
  assert.equal(asked, 1, 'ssh2 no longer asks cpu-features: the stand-in is for nothing');
  // Where the CPU has AES instructions, AES-GCM comes first.
  if (cpuFeatures().flags['aes']) assert.equal(withPackage.DEFAULT_CIPHER[0], 'aes128-gcm@openssh.com');
});
