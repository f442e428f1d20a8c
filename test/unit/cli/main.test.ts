import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from 'commander';
import { buildProgram, verbOnly } from '../../../src/cli/main.js';

test('verbOnly: the verb after program options that print nothing and run nothing else', () => {
  assert.equal(verbOnly(['exec-all', '-w', 'h', 'true']), 'exec-all');
  assert.equal(verbOnly(['-q', 'exec-all', '-F', 'cfg', 'true']), 'exec-all');
  assert.equal(verbOnly(['-qvv', '--raw-output', '--home', 'run', 'put-all', 'a', 'b']), 'put-all');
  assert.equal(verbOnly(['--config=x', '--color', 'never', '--verbose', 'log']), 'log');
  assert.equal(verbOnly(['task', 'list']), 'task');
});

test('verbOnly: the whole program where help, the version, `--` or an unknown word could be asked', () => {
  for (const argv of [[], ['--help'], ['-h', 'exec-all'], ['-V'], ['--version'], ['-qh', 'run'], ['help', 'exec-all'], ['--', 'run'], ['exec'], ['--bogus', 'run'], ['--home'], ['toString'], ['__proto__']]) {
    assert.equal(verbOnly(argv), undefined, argv.join(' '));
  }
});

test("a program built for one verb has that verb's command as the whole program has it, and only it", () => {
  const whole = buildProgram();
  const describe = (c: Command) => ({ name: c.name(), help: c.helpInformation(), options: c.options.map((o) => o.flags), subcommands: c.commands.map((s) => s.helpInformation()) });
  assert.equal(whole.commands.length, 13);
  for (const verb of whole.commands.map((c) => c.name())) {
    const one = buildProgram(verb);
    assert.deepEqual(one.commands.map((c) => c.name()), [verb]);
    assert.deepEqual(describe(one.commands[0]!), describe(whole.commands.find((c) => c.name() === verb)!));
    assert.deepEqual(one.options.map((o) => o.flags), whole.options.map((o) => o.flags));
  }
});
