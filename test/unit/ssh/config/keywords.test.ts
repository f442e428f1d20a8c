/**
 * What lwt does with each OpenSSH keyword it does not apply, checked against OpenSSH itself
 * (the keywords `ssh -G` prints) and against the README's lists.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { IGNORED_KEYWORDS, REFUSED_KEYWORDS, keywordRule } from '../../../../src/ssh/config/keywords.js';
import { CANONICAL_NAMES } from '../../../../src/ssh/config/options.js';
import { sshAccepts } from './helpers.js';

/** The README's refused keywords with the values that make them harmless (lowercase). */
const REFUSED: Record<string, string[]> = {
  AddressFamily: ['any'],
  BindAddress: [],
  BindInterface: [],
  CanonicalizeHostname: ['no', 'false'],
  CertificateFile: [],
  ForwardAgent: ['no', 'false'],
  KnownHostsCommand: ['none'],
  LocalCommand: [],
  PermitLocalCommand: ['no', 'false'],
  PKCS11Provider: ['none'],
  ProxyUseFdpass: ['no', 'false'],
  PubkeyAuthentication: ['yes', 'true', 'unbound', 'host-bound'],
  RemoteCommand: ['none'],
  RevokedHostKeys: ['none'],
  SessionType: ['default'],
  SetEnv: [],
  SmartcardDevice: [],
};

/**
 * Keywords ssh reads that `ssh -G` does not print (deprecated or unsupported ones it only warns
 * about, and old aliases), with a value ssh accepts.
 */
const NOT_PRINTED: Record<string, string> = Object.fromEntries([
  'Cipher', 'Protocol', 'RSAAuthentication', 'RhostsAuthentication', 'RhostsRSAAuthentication', 'UseRoaming',
  'UsePrivilegedPort', 'FallBackToRsh', 'UseRsh', 'KeepAlive', 'DSAAuthentication', 'AFSTokenPassing',
  'KerberosAuthentication', 'KerberosTGTPassing', 'SKeyAuthentication', 'TISAuthentication', 'CompressionLevel',
  'ChallengeResponseAuthentication', 'GlobalKnownHostsFile2', 'UserKnownHostsFile2', 'IdentityFile2',
  'UseBlacklistedKeys',
].map((k) => [k, 'no']).concat([['HostbasedKeyTypes', 'ssh-ed25519'], ['PubkeyAcceptedKeyTypes', 'ssh-ed25519'], ['SetupTimeOut', '5'], ['ProtocolKeepAlives', '5']]));

test('the refused keywords are the README\'s, each with its harmless values', () => {
  assert.deepEqual(
    [...REFUSED_KEYWORDS].map(([lower, rule]) => [lower, rule.name, rule.harmless]),
    Object.entries(REFUSED).map(([name, harmless]) => [name.toLowerCase(), name, harmless]),
  );
  for (const name of Object.keys(REFUSED)) assert.deepEqual(keywordRule(name.toLowerCase()), { kind: 'refused', rule: REFUSED_KEYWORDS.get(name.toLowerCase()) });
});

test('every keyword OpenSSH prints with ssh -G is applied, refused or ignored: none is unknown', () => {
  const printed = new Set(
    execFileSync('ssh', ['-G', '-F', '/dev/null', 'example.invalid'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .map((l) => l.split(' ')[0]!.toLowerCase())
      .filter((k) => k !== ''),
  );
  assert.ok(printed.size > 70, `ssh -G printed ${printed.size} keywords`);
  const unknown = [...printed].filter((k) => !Object.hasOwn(CANONICAL_NAMES, k) && keywordRule(k).kind === 'unknown');
  assert.deepEqual(unknown, []);
  const ignoredPrinted = [...printed].filter((k) => keywordRule(k).kind === 'ignored');
  assert.ok(ignoredPrinted.length > 40, `${ignoredPrinted.length} ignored`);
});

test('keywords ssh reads without printing them are ignored, and ssh does accept them', () => {
  for (const [name, value] of Object.entries(NOT_PRINTED)) {
    assert.deepEqual(keywordRule(name.toLowerCase()), { kind: 'ignored' }, name);
    assert.equal(sshAccepts(name, value), true, `ssh refuses ${name} ${value}`);
  }
  assert.deepEqual(keywordRule('frobnicate'), { kind: 'unknown' });
  assert.deepEqual(keywordRule('CheckHostIP'), { kind: 'unknown' }, 'callers pass the keyword lowercased');
  assert.ok([...IGNORED_KEYWORDS].every((k) => k === k.toLowerCase()));
});

test('keywords ssh -G does not print unless set are ignored too, and ssh reads each of them', () => {
  const values: Record<string, string> = {
    ControlPath: 'none',
    DynamicForward: '1080',
    GSSAPIClientIdentity: 'x',
    GSSAPIServerIdentity: 'x',
    KbdInteractiveDevices: 'pam',
    LocalForward: '8080 localhost:80',
    PreferredAuthentications: 'publickey',
    RemoteForward: '8080 localhost:80',
  };
  for (const [name, value] of Object.entries(values)) {
    assert.equal(sshAccepts(name, value), true, `ssh reads ${name}`);
    assert.deepEqual(keywordRule(name.toLowerCase()), { kind: 'ignored' }, name);
  }
});
