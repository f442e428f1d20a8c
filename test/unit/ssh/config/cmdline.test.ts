import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandLineOptions } from '../../../../src/ssh/config/cmdline.js';
import { resolveHost } from '../../../../src/ssh/config/resolve.js';
import { LOCAL, cfgOf, usageError } from './helpers.js';

test('-O options are read before the config file, as ssh -o: their values win; -oKey=Value and "Key Value" spellings', () => {
  const cfg = cfgOf('Host *\n  Port 2200\n  StrictHostKeyChecking yes\n  User cfg\n');
  cfg.files.unshift(commandLineOptions(['Port=2300', '-oStrictHostKeyChecking=accept-new', 'ConnectTimeout 3', 'LogLevel=ERROR']));
  const r = resolveHost(cfg, 'h', LOCAL);
  assert.equal(r.port, 2300);
  assert.equal(r.strictHostKeyChecking, 'accept-new');
  assert.equal(r.connectTimeoutSec, 3);
  assert.equal(r.user, 'cfg');
});

test('-O refuses, naming it, an option lwt does not apply, an unknown one, a bad value, and Host/Match', () => {
  assert.throws(() => commandLineOptions(['ProxyUseFdpass=yes']), usageError("-O 'ProxyUseFdpass=yes': ProxyUseFdpass is not supported by lwt"));
  assert.throws(() => commandLineOptions(['-oNoSuchThing=1']), usageError("-O '-oNoSuchThing=1': unknown OpenSSH option NoSuchThing"));
  assert.throws(() => commandLineOptions(['Port=x']), usageError("-O 'Port=x': bad value for Port: 'x'"));
  assert.throws(() => commandLineOptions(['Match=all']), usageError(/^-O 'Match=all': Match is not an option/));
  assert.throws(() => commandLineOptions(['Port=']), usageError("-O 'Port=': missing value for Port"));
  assert.equal(commandLineOptions(['ProxyUseFdpass=no']).entries.length, 0);
});

test('-O: the source name, line numbers per option, and the refusals of empty or misplaced keywords', () => {
  const file = commandLineOptions(['Port=1', 'User=u']);
  assert.deepEqual([file.source, file.userConf, file.entries.map((e) => e.line)], ['command line (-O)', true, [1, 2]]);
  assert.throws(() => commandLineOptions(['']), usageError("-O '': expected KEY=VALUE"));
  assert.throws(() => commandLineOptions(['-o']), usageError("-O '-o': expected KEY=VALUE"));
  assert.throws(() => commandLineOptions(['=yes']), usageError("-O '=yes': expected KEY=VALUE"));
  assert.throws(() => commandLineOptions(['port=']), usageError("-O 'port=': missing value for Port"));
  assert.throws(() => commandLineOptions(['LogLevel']), usageError("-O 'LogLevel': missing value for LogLevel"));
  assert.throws(() => commandLineOptions(['host=x']), usageError("-O 'host=x': Host is not an option (put it in the config file)"));
  assert.throws(() => commandLineOptions(['Include=x']), usageError("-O 'Include=x': Include is not an option (put it in the config file)"));
});
