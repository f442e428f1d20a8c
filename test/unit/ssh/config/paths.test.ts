import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { displayPath, expandTilde } from '../../../../src/ssh/config/paths.js';

test('displayPath shows paths under the home as ~', () => {
  assert.equal(displayPath('/home/ann/.ssh/config', '/home/ann'), '~/.ssh/config');
  assert.equal(displayPath('/home/ann', '/home/ann'), '~');
  assert.equal(displayPath('/home/ann/x', '/home/ann/'), '~/x');
  assert.equal(displayPath('/home/anna/x', '/home/ann'), '/home/anna/x');
  assert.equal(displayPath('/etc/ssh', '/'), '/etc/ssh');
  assert.equal(displayPath('/etc/ssh', ''), '/etc/ssh');
});

test('expandTilde: ~ and ~/ are the home, ~user the user\'s, others are left alone', () => {
  assert.equal(expandTilde('~', '/home/ann'), '/home/ann');
  assert.equal(expandTilde('~/.ssh/id', '/home/ann/'), '/home/ann/.ssh/id');
  assert.equal(expandTilde('/abs/~', '/home/ann'), '/abs/~');
  assert.equal(expandTilde('rel', '/home/ann'), 'rel');
  const root = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('root:'))?.split(':')[5];
  assert.ok(root, '/etc/passwd names root');
  assert.equal(expandTilde('~root/.ssh', '/home/ann'), `${root.replace(/\/+$/, '')}/.ssh`);
  assert.equal(expandTilde('~root', '/home/ann'), root);
  assert.throws(() => expandTilde('~no-such-user-lwt/x', '/home/ann'), { message: "no such user for '~no-such-user-lwt'" });
});

test('expandTilde: ~ alone is the home exactly as given; below it, one slash joins', () => {
  assert.equal(expandTilde('~', '/home/ann/'), '/home/ann/');
  assert.equal(expandTilde('~/x', '/home/ann//'), '/home/ann/x');
});

test('~user is the home getpwnam() gives, for every user of this system (getent as the oracle), a home of / included', () => {
  const differ: string[] = [];
  for (const line of execFileSync('getent', ['passwd'], { encoding: 'utf8' }).split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || f[0] === '') continue;
    const [user, home] = [f[0]!, f[5]!];
    const got = [expandTilde(`~${user}`, '/h'), expandTilde(`~${user}/x`, '/h')];
    const want = [home, `${home === '/' ? '' : home}/x`];
    if (got.join(' ') !== want.join(' ')) differ.push(`${user}: ${got.join(' ')} (getent ${want.join(' ')})`);
  }
  assert.deepEqual(differ, []);
  assert.equal(displayPath('/h//x', '/h//'), '~//x');
});
