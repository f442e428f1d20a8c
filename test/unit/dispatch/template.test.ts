import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { checkTemplate, fillTemplate, hasReplacement } from '../../../src/dispatch/template.js';

test('{} is the whole line, quoted: shell syntax in a line stays data', () => {
  assert.equal(fillTemplate('echo {}', 'a b', 1), "echo 'a b'");
  assert.equal(fillTemplate('echo {}', "; rm -rf ~ 'x'", 1), `echo '; rm -rf ~ '\\''x'\\'''`);
  assert.equal(fillTemplate('cp {} {}.bak', 'f.txt', 1), 'cp f.txt f.txt.bak');
  assert.equal(fillTemplate('echo {}', '', 1), "echo ''");
});

test('{N} are whitespace-split fields from 1, {#} the line number; missing fields are empty', () => {
  assert.equal(fillTemplate('mv {1} {2}', '  a.txt\tb c ', 7), 'mv a.txt b');
  assert.equal(fillTemplate('echo {3}', 'a b', 7), "echo ''");
  assert.equal(fillTemplate('echo {#}:{}', 'x', 42), 'echo 42:x');
  assert.equal(fillTemplate('echo {12}', Array.from({ length: 12 }, (_, i) => `f${i + 1}`).join(' '), 1), 'echo f12');
});

test('a template without a replacement string gets the line as its last argument', () => {
  assert.equal(hasReplacement('gzip -9'), false);
  assert.equal(fillTemplate('gzip -9', 'my file', 1), "gzip -9 'my file'");
  assert.equal(hasReplacement('echo {2}'), true);
  assert.equal(hasReplacement('awk "{print}"'), false, '{print} is awk, not a replacement string');
});

test('{0} and an empty command are refused with a message naming them', () => {
  assert.throws(() => checkTemplate('echo {0}'), /'\{0\}'.*from \{1\}/);
  assert.throws(() => checkTemplate('  '), /command is empty/);
  assert.doesNotThrow(() => checkTemplate('echo {1} {#} {}'));
});

test('a line that is not UTF-8 reaches the command byte for byte, whole and as fields', () => {
  const line = Buffer.from([0x61, 0xff, 0x20, 0x62, 0x09, 0xfe, 0x27]); // "a\xff b\t\xfe'"
  const run = (template: string): Buffer => execFileSync('/bin/sh', ['-c', fillTemplate(template, line, 3)]);
  assert.deepEqual(run('printf %s {}'), line);
  assert.deepEqual(run('printf "%s|" {1} {2} {3} {4}'), Buffer.concat([Buffer.from([0x61, 0xff]), Buffer.from('|b|'), Buffer.from([0xfe, 0x27]), Buffer.from('||')]));
  assert.deepEqual(run('printf "%s|"'), Buffer.concat([line, Buffer.from('|')]), 'appended when the template has no replacement');
  assert.equal(fillTemplate('echo {} {#}', Buffer.from('x y'), 3), "echo 'x y' 3", 'valid text as before');
});
