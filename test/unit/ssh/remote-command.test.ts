import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waits, wrapRemoteCommand } from '../../../src/ssh/remote-command.js';
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
  const line = wrapRemoteCommand({ command: 'x' }).line;
  assert.match(line, /lwt_watch\(\) \{ exec >\/dev\/null 2>&1; r=\$1 pp=\$2; [^]*lwt-watch watch "\$r" "\$pp"; done; \}\n[^\n]*; unset -f lwt_watch\nx$/);
  // bash: a process substitution, outside POSIX mode; the others in the background, disowned or
  // from a subshell. No redirection of stdout or stderr on a call (the function does an exec).
  assert.match(line, /lwt_watch\(\) \{ exec >\/dev\/null 2>&1; r=\$1 pp=\$2;/);
  assert.match(line, /\*\) eval ': > >\(lwt_watch \$\$ \$PPID\)' ;;/);
  assert.match(line, /\*:posix:\*\) eval '\{ read -r s; lwt_h=1 lwt_watch \$\$ \$PPID; \} <<<"" &'; disown ;;/);
  assert.match(line, /then lwt_h=1 lwt_watch \$\$ \$PPID <\/dev\/null & disown; else \(lwt_h=1 lwt_watch \$\$ \$PPID <\/dev\/null &\); fi;/);
  // A command that may run `wait`: bash gets the disowned kind too.
  const waiting = wrapRemoteCommand({ command: 'a & b & wait' }).line;
  assert.doesNotMatch(waiting, />\(lwt_watch/);
  assert.match(waiting, /then eval '\{ read -r s; lwt_h=1 lwt_watch \$\$ \$PPID; \} <<<"" &'; disown;/);
  assert.match(wrapRemoteCommand({ command: 'x', sudo: true }).line, /lwt_watch\(\) \{ exec >\/dev\/null 2>&1; r=\$1 pp=\$2; [^]*lwt-watch watch-sudo "\$r" "\$pp"; done; \}\n[^\n]*lwt_watch "\$1" "\$2" /);
  assert.doesNotMatch(wrapRemoteCommand({ command: 'x', detach: true }).line, /lwt-watch/);
  assert.doesNotMatch(wrapRemoteCommand({ command: 'x', sudo: true, detach: true }).line, /lwt-watch/);
});

test("a command that may run the shell's wait is told by its words", () => {
  for (const c of ['wait', 'a & b & wait', 'x & wait $!', 'f; wait -n', '(wait)', 'sleep 1&wait']) assert.equal(waits(c), true, c);
  for (const c of ['true', 'waitpid 3', 'await x', 'echo no_wait', 'wait-for-it db:5432', 'ls /tmp/waits']) assert.equal(waits(c), false, c);
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
  // 4967 characters before the watchdog's copy was made smaller; 3574 before bash's watchdog
  // became a process substitution (which costs the host less than the ~380 characters it added).
  assert.ok(wrapRemoteCommand({ command: 'true' }).line.length < 4000, 'the wrapper grew');
});
