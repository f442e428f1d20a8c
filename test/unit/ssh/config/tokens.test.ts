import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandHostName, expandTokens } from '../../../../src/ssh/config/tokens.js';

const at = (value: string, line = 7) => ({ value, source: '/etc/ssh/ssh_config', line });

test('%-tokens expand, %% is a percent sign', () => {
  const tokens = { h: () => 'web1', p: () => '22', r: () => 'root' };
  assert.equal(expandTokens(at('%r@%h:%p 100%%'), tokens, false, 'ProxyCommand'), 'root@web1:22 100%');
  assert.equal(expandHostName(at('%h.example.com'), 'db'), 'db.example.com');
  assert.equal(expandTokens(at('plain'), {}, false, 'X'), 'plain');
});

test('unknown and lone tokens are errors naming file, line and keyword', () => {
  assert.throws(() => expandHostName(at('%p.example'), 'db'), { message: "/etc/ssh/ssh_config:7: HostName: unknown token %p in '%p.example'" });
  assert.throws(() => expandTokens(at('a%'), {}, false, 'IdentityFile'), { message: "/etc/ssh/ssh_config:7: IdentityFile: lone % at the end in 'a%'" });
  // A value given on the command line has no line number.
  assert.throws(() => expandTokens({ value: '%z', source: '-o', line: 0 }, {}, false, 'User'), { message: "-o: User: unknown token %z in '%z'" });
});

test('${VAR} expands only where ssh allows it, and must be set and closed', () => {
  process.env.LWT_TOKENS_TEST = 'v';
  assert.equal(expandTokens(at('a${LWT_TOKENS_TEST}b'), {}, true, 'IdentityFile'), 'avb');
  assert.equal(expandTokens(at('a$b${'), {}, false, 'HostName'), 'a$b${');
  assert.throws(() => expandTokens(at('${LWT_TOKENS_UNSET_X}'), {}, true, 'IdentityFile'), { message: "/etc/ssh/ssh_config:7: IdentityFile: environment variable LWT_TOKENS_UNSET_X is not set in '${LWT_TOKENS_UNSET_X}'" });
  assert.throws(() => expandTokens(at('${HOME'), {}, true, 'IdentityFile'), /unterminated \$\{/);
  assert.equal(expandTokens(at('$HOME'), {}, true, 'IdentityFile'), '$HOME');
});

test('HostName keeps ${VAR} as written; only $ then { opens a variable, and its } is the first after it (ssh -G agrees)', () => {
  process.env.LWT_TOKENS_TEST = 'v';
  assert.equal(expandHostName(at('${LWT_TOKENS_TEST}x'), 'h'), '${LWT_TOKENS_TEST}x');
  assert.equal(expandTokens(at('/k/a{b}'), {}, true, 'IdentityFile'), '/k/a{b}');
  assert.equal(expandTokens(at('/k/}${LWT_TOKENS_TEST}'), {}, true, 'UserKnownHostsFile'), '/k/}v');
});
