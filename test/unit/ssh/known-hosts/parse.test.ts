import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KnownHosts } from '../../../../src/ssh/known-hosts/verify.js';
import { parseText } from '../../../../src/ssh/known-hosts/parse.js';
import { hashName } from '../../../../src/ssh/known-hosts/hashed.js';
import { scratchKeys, line } from './helpers.js';

const k = scratchKeys();

test('bad lines are skipped with a warning naming file:line', () => {
  const kh = KnownHosts.fromText(
    [
      'onlyahost',
      line('h', k.edA),
      'h ssh-ed25519 !!notbase64!!',
      `h ssh-rsa ${k.edA.b64}`,
      `@weird h ${k.edA.type} ${k.edA.b64}`,
      `|1|c2hvcnQ=|AAAA ${k.edA.type} ${k.edA.b64}`,
      `|2|x|y ${k.edA.type} ${k.edA.b64}`,
      'h 2048 65537 1234567',
    ].join('\n'),
    'kh',
  );
  assert.deepEqual(kh.verify('h', 22, k.edA.type, k.edA.blob), { status: 'match', file: 'kh', line: 2 });
  assert.equal(kh.warnings.length, 7);
  assert.deepEqual(
    kh.warnings.map((w) => w.split(':').slice(0, 2).join(':')),
    ['kh:1', 'kh:3', 'kh:4', 'kh:5', 'kh:6', 'kh:7', 'kh:8'],
  );
  assert.match(kh.warnings[2] ?? '', /key type ssh-rsa does not match/);
});

test('each bad line says why, in words', () => {
  const salt = Buffer.alloc(20, 1).toString('base64');
  const hash = Buffer.alloc(20, 2).toString('base64');
  const { warnings, badLines } = parseText(
    [
      'onlyahost',
      'h #comment-not-a-type',
      'h ssh-ed25519',
      'h ssh-ed25519 !!notbase64!!',
      `h ssh-rsa ${k.edA.b64}`,
      `h ssh-ed25519 ${Buffer.from('not a key blob at all').toString('base64')}`,
      `@weird h ${k.edA.type} ${k.edA.b64}`,
      `|1|${salt} ${k.edA.type} ${k.edA.b64}`,
      `|1|${salt}|${hash}|x ${k.edA.type} ${k.edA.b64}`,
      `|2|${salt}|${hash} ${k.edA.type} ${k.edA.b64}`,
      `|1|c2hvcnQ=|${hash} ${k.edA.type} ${k.edA.b64}`,
      `|1|${salt}|c2hvcnQ= ${k.edA.type} ${k.edA.b64}`,
      `|1|${salt}|!! ${k.edA.type} ${k.edA.b64}`,
    ].join('\n'),
    'kh',
  );
  assert.equal(badLines, 13);
  assert.deepEqual(warnings, [
    'kh:1: no key after the host names; line ignored',
    'kh:2: no key after the host names; line ignored',
    'kh:3: bad base64 key data; line ignored',
    'kh:4: bad base64 key data; line ignored',
    'kh:5: key type ssh-rsa does not match the key data (ssh-ed25519); line ignored',
    'kh:6: bad key data; line ignored',
    "kh:7: unknown marker '@weird'; line ignored",
    'kh:8: bad hashed host name; line ignored',
    'kh:9: bad hashed host name; line ignored',
    'kh:10: bad hashed host name; line ignored',
    'kh:11: bad hashed host name; line ignored',
    'kh:12: bad hashed host name; line ignored',
    'kh:13: bad hashed host name; line ignored',
  ]);
});

test('at most 20 warnings per file, then one line counting the rest', () => {
  const bad = Array.from({ length: 25 }, () => 'onlyahost').join('\n');
  const { warnings, badLines } = parseText(bad, 'kh');
  assert.equal(badLines, 25);
  assert.equal(warnings.length, 21);
  assert.equal(warnings[19], 'kh:20: no key after the host names; line ignored');
  assert.equal(warnings[20], 'kh: 5 more bad lines ignored');
  assert.equal(parseText(Array.from({ length: 20 }, () => 'x').join('\n'), 'kh').warnings.length, 20);
});

test('good lines: blanks, comments, CR and trailing blanks, markers, literal names and patterns', () => {
  const p = parseText(
    [
      '',
      '   # a comment',
      `\tWeb1,web2.example,[web3]:2222 ${k.edA.type} ${k.edA.b64} a comment here\r`,
      `@revoked bad.example ${k.edB.type} ${k.edB.b64}   `,
      `@cert-authority *.example ${k.ecC.type} ${k.ecC.b64}`,
      `*.zone,!x.zone ${k.edA.type}\t${k.edA.b64}`,
      `web1 ${k.edB.type} ${k.edB.b64}`,
      `${hashName('hashed.example', Buffer.alloc(20, 7))} ${k.edA.type} ${k.edA.b64}`,
    ].join('\n'),
    'kh',
  );
  assert.deepEqual(p.warnings, []);
  assert.equal(p.badLines, 0);
  assert.deepEqual([...p.plain.keys()], ['web1', 'web2.example', '[web3]:2222', 'bad.example']);
  assert.deepEqual(p.plain.get('web1')!.map((key) => [key.line, key.keyType, key.revoked]), [[3, k.edA.type, false], [7, k.edB.type, false]]);
  assert.deepEqual(p.plain.get('bad.example')!.map((key) => [key.line, key.revoked]), [[4, true]]);
  assert.deepEqual(p.patterned.map((e) => [e.patterns, e.key.line]), [[['*.zone', '!x.zone'], 6]]);
  assert.equal(p.hashed.keys.length, 1);
  assert.equal(p.hashed.keys[0]!.line, 8);
  assert.equal(p.plain.get('web1')![0]!.b64, k.edA.b64, 'the comment is not part of the key');
});

test('key types of every length are checked against the key data', () => {
  // ed25519 (11-byte type), ecdsa-sha2-nistp256 (19 bytes): the header ends mid base64 group or on one.
  for (const key of [k.edA, k.ecC]) {
    assert.deepEqual(parseText(`h ${key.type} ${key.b64}`, 'kh').warnings, [], key.type);
    const other = key === k.edA ? k.ecC : k.edA;
    assert.match(parseText(`h ${other.type} ${key.b64}`, 'kh').warnings[0] ?? '', /does not match the key data/);
  }
  // A key blob cut right after its type is no key: the type still matches, the data is short.
  const head = Buffer.alloc(4 + 11);
  head.writeUInt32BE(11, 0);
  head.write('ssh-ed25519', 4, 'latin1');
  assert.deepEqual(parseText(`h ssh-ed25519 ${head.toString('base64')}`, 'kh').warnings, []);
  assert.match(parseText(`h ssh-ed25519 ${head.subarray(0, 14).toString('base64')}`, 'kh').warnings[0] ?? '', /bad key data|does not match/);
});

test('key data: base64 from end to end, checked against the whole type name', () => {
  const warningsOf = (text: string): string[] => parseText(text, 'kh').warnings;
  assert.deepEqual(warningsOf(`h ${k.edA.type} !${k.edA.b64}`), ['kh:1: bad base64 key data; line ignored']);
  assert.deepEqual(warningsOf(`h ${k.edA.type} ${k.edA.b64}!`), ['kh:1: bad base64 key data; line ignored']);
  // ecdsa-sha2-nistp256's header is 23 bytes: the last 2 lie past the whole base64 groups.
  assert.deepEqual(warningsOf(`h ecdsa-sha2-nistp299 ${k.ecC.b64}`), [
    'kh:1: key type ecdsa-sha2-nistp299 does not match the key data (ecdsa-sha2-nistp256); line ignored',
  ]);
  const head = Buffer.alloc(4 + 19);
  head.writeUInt32BE(19, 0);
  head.write('ecdsa-sha2-nistp256', 4, 'latin1');
  assert.deepEqual(warningsOf(`h ecdsa-sha2-nistp256 ${head.toString('base64')}`), []);
  assert.deepEqual(warningsOf(`h ecdsa-sha2-nistp256 ${head.subarray(0, 21).toString('base64')}`), ['kh:1: bad key data; line ignored']);
});

test('a line ending in CR, or CR LF, or blanks after the key is read whole', () => {
  const p = parseText(`a ${k.edA.type} ${k.edA.b64}\r\nb ${k.edB.type} ${k.edB.b64}\t \r\nc ${k.ecC.type} ${k.ecC.b64}\r`, 'kh');
  assert.deepEqual(p.warnings, []);
  assert.deepEqual([...p.plain.keys()], ['a', 'b', 'c']);
  assert.deepEqual([...p.plain.values()].map((keys) => keys.map((key) => key.b64)), [[k.edA.b64], [k.edB.b64], [k.ecC.b64]]);
});

test('a hashed name must be the canonical base64 of its SHA-1, as ssh compares text', () => {
  const hashed = hashName('h', Buffer.alloc(20, 7));
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  // 20 bytes are 27 base64 digits and '=': the last digit's 2 low bits are padding, zero when canonical.
  const last = hashed.length - 2;
  const variant = hashed.slice(0, last) + alphabet[alphabet.indexOf(hashed[last]!) | 1] + hashed.slice(last + 1);
  assert.notEqual(variant, hashed);
  assert.deepEqual(Buffer.from(variant.split('|')[3]!, 'base64'), Buffer.from(hashed.split('|')[3]!, 'base64'));
  assert.deepEqual(parseText(`${variant} ${k.edA.type} ${k.edA.b64}`, 'kh').warnings, ['kh:1: bad hashed host name; line ignored']);
});

test('a host list with any pattern in it is matched as a pattern list, names and all', () => {
  const p = parseText(`Web1,*.zone ${k.edA.type} ${k.edA.b64}`, 'kh');
  assert.deepEqual([...p.plain.keys()], []);
  assert.deepEqual(p.patterned.map((e) => e.patterns), [['Web1', '*.zone']]);
});
