import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wrapRemoteCommand } from '../../../src/ssh/remote-command.js';
import { execFileSync } from 'node:child_process';
import { parseKillReport, remoteKillCommand, REMOTE_KILL_SCRIPT, WATCH_KILL_SCRIPT } from '../../../src/ssh/remote-kill.js';

test('the job cookie is in no command line: it goes on stdin', () => {
  for (const sudo of [false, true]) {
    const w = wrapRemoteCommand({ command: 'uptime', sudo, env: { A: 'b' } });
    assert.match(w.cookie, /^[0-9a-f]{18}$/);
    assert.ok(!w.line.includes(w.cookie), `cookie in the exec line (sudo ${sudo})`);
    assert.match(w.line, /read -r LWT_JOB/);
  }
  // The kill takes the cookie on its stdin too; its command line holds only the pid hint.
  assert.match(remoteKillCommand(1234, true), /^sudo -n \/bin\/sh -c '[^]*' lwt-kill kill-sudo 1234$/);
});

test('a watchdog is started unless the command is detached', () => {
  assert.match(wrapRemoteCommand({ command: 'x' }).line, /lwt_watch\(\) \{ r=\$1 pp=\$2; [^]*lwt-watch watch "\$r" "\$pp"; done; \}\n[^\n]*lwt_watch \$\$ \$PPID <\/dev\/null >\/dev\/null 2>&1 & disown;[^\n]*; unset -f lwt_watch\nx$/);
  assert.match(wrapRemoteCommand({ command: 'x', sudo: true }).line, /lwt_watch\(\) \{ r=\$1 pp=\$2; [^]*lwt-watch watch-sudo "\$r" "\$pp"; done; \}\n[^\n]*lwt_watch "\$1" "\$2" /);
  assert.doesNotMatch(wrapRemoteCommand({ command: 'x', detach: true }).line, /lwt-watch/);
  assert.doesNotMatch(wrapRemoteCommand({ command: 'x', sudo: true, detach: true }).line, /lwt-watch/);
});

test('the kill report: the count, and a pid hint the host refused', () => {
  assert.deepEqual(parseKillReport('pid-refused 77\nkilled 3\n'), { killed: 3, refusedPid: 77 });
  assert.deepEqual(parseKillReport('killed 0\n'), { killed: 0 });
  assert.deepEqual(parseKillReport(''), { killed: 0 });
});

// The watchdog's script is a word of every job's wrapper, parsed by the login shell of every
// job (about 50 ns a character under bash): it goes without comments, indentation and the kill
// channel's search for the session leader. Both still parse under sh, dash and bash.
test("the kill scripts go without comments and indentation; the watchdog's without the leader search", () => {
  for (const script of [REMOTE_KILL_SCRIPT, WATCH_KILL_SCRIPT]) {
    for (const line of script.split('\n')) {
      assert.equal(line, line.trim(), `indented: ${line}`);
      assert.ok(line !== '' && !line.startsWith('#'), `blank or comment line: '${line}'`);
    }
    for (const shell of ['/bin/sh', '/bin/dash', '/bin/bash']) execFileSync(shell, ['-n', '-c', script]);
  }
  assert.match(REMOTE_KILL_SCRIPT, /pid-refused/);
  assert.doesNotMatch(WATCH_KILL_SCRIPT, /pid-refused|sshd-session/);
  // 4967 characters before the watchdog's copy was made smaller.
  assert.ok(wrapRemoteCommand({ command: 'true' }).line.length < 3600, 'the wrapper grew');
});
