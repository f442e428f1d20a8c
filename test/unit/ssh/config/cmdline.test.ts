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
