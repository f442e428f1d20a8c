import { shellQuote } from '../core/shell-quote.js';

/**
 * A dispatch slot's command runner, run once per slot on the host (through execRemote, so it
 * has the job wrapper's pid line, cookie and watchdog like any remote command). It reads job
 * requests on stdin and runs each as `$SHELL -c COMMAND` (what sshd does with an exec
 * request, so the command is parsed by the same shell as with one channel per job), stdin
 * from /dev/null, its stdout and stderr sent back in frames (runner-frames.ts), then its raw
 * wait status: exit code and signal stay apart, as in an SSH exit-status/exit-signal.
 *
 * Why: a channel per job costs the host a login shell and a watchdog per job; that was most
 * of dispatch's remote time (NOTES, 2026-12-02). Here a job costs one fork and exec of the
 * shell. Why Perl: POSIX sh cannot read an exact number of bytes, wait on two pipes at once,
 * or tell an exit code from a signal; Perl is on nearly every host (perl-base on Debian).
 * Where it is not, the runner exits 127 before its ready line and lwt falls back to a channel
 * per job on that host. Only core built-ins are used: no module is loaded.
 *
 * The ready line is runner-frames.ts's READY_LINE (a unit test holds them equal).
 *
 * A job waits for both its exit and the end of its output, as sshd does. Cancelling a job
 * kills the whole runner with its session (the remote kill), and the slot starts a new one.
 */
const RUNNER_PERL = String.raw`
use strict;
binmode STDIN; binmode STDOUT;
my $sh = $ENV{SHELL} || '/bin/sh';
sub put { my $d = shift; while (length $d) { my $w = syswrite(STDOUT, $d); defined $w or exit 1; substr($d, 0, $w) = '' } }
put("\036LWT-RUNNER 1\n");
while (defined(my $h = <STDIN>)) {
  $h =~ /^(\d+)\n\z/ or die "lwt runner: bad request\n";
  my $n = $1; my $cmd = '';
  while (length($cmd) < $n) { read(STDIN, $cmd, $n - length($cmd), length($cmd)) or exit 0 }
  pipe(my $or, my $ow) or die "lwt runner: pipe: $!\n";
  pipe(my $er, my $ew) or die "lwt runner: pipe: $!\n";
  my $pid = fork;
  defined $pid or die "lwt runner: fork: $!\n";
  if (!$pid) {
    open(STDIN, '<', '/dev/null'); open(STDOUT, '>&', $ow); open(STDERR, '>&', $ew);
    exec { $sh } $sh, '-c', $cmd;
    syswrite(STDERR, "lwt runner: cannot run $sh: $!\n"); exit 127;
  }
  close $ow; close $ew;
  my %fd = (fileno($or) => [$or, 'O'], fileno($er) => [$er, 'E']);
  while (%fd) {
    my $rin = ''; vec($rin, $_, 1) = 1 for keys %fd;
    select(my $rout = $rin, undef, undef, undef) >= 0 or next;
    for my $f (keys %fd) {
      next unless vec($rout, $f, 1);
      my $got = sysread($fd{$f}[0], my $buf, 65536);
      if (!$got) { close $fd{$f}[0]; delete $fd{$f}; next }
      put($fd{$f}[1] . $got . "\n" . $buf);
    }
  }
  waitpid($pid, 0);
  put("X$?\n");
}
`;

/** The remote command that starts a runner (given to execRemote as the command). */
export const RUNNER_COMMAND = `exec perl -e ${shellQuote(RUNNER_PERL)}`;

/** The exit code of a shell that did not find the program: then the host has no perl. */
export const NO_RUNNER_EXIT = 127;
