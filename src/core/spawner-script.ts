/**
 * The long-lived helper that starts local jobs for lwt (spawner.ts), in Perl (perl-base is
 * part of every Debian and Ubuntu system; where perl is missing lwt starts jobs itself).
 * Each job is forked from this ~5 MB process instead of from lwt's ~100 MB node process,
 * whose page tables the kernel copied at every fork: `lwt run` of 2,000 `true` jobs at -p 50
 * went from 1.64 to 0.95–1.08 ms a job (xargs -P: 0.52) in bench/run-local.sh.
 *
 * Protocol, lengths in bytes, every number decimal:
 *   in:  `S ID COOKIE LEN\n` + LEN bytes of command   start `sh -c COMMAND` as job ID
 *   out: `R\n`                                          ready (once, first)
 *        `P ID PID\n`                                   job started as PID (its own session)
 *        `O ID STREAM LEN\n` + LEN bytes                output, STREAM 1 stdout, 2 stderr
 *        `E ID STATUS\n`                                job ended: raw wait status, pipes closed
 *        `F ID MESSAGE\n`                               job could not be started
 * A job ends when its shell has exited AND both its pipes are closed (as runLocalProcess).
 * Interrupts are ignored: lwt kills the jobs itself (by pid, tree and cookie) and must still
 * hear how they ended. At the end of its input it exits once its jobs have ended.
 * SIGCHLD wakes the loop through a pipe of its own, so that no exit is missed between a
 * reap and the next select.
 */
export const SPAWNER_SCRIPT = String.raw`
use strict; use warnings; use POSIX ();
$SIG{INT} = $SIG{TERM} = $SIG{HUP} = $SIG{QUIT} = 'IGNORE'; $SIG{PIPE} = 'IGNORE';
binmode STDIN; binmode STDOUT;
pipe(my $wake_r, my $wake_w) or die "pipe: $!";
for ($wake_r, $wake_w) { my $fl = fcntl($_, POSIX::F_GETFL(), 0); fcntl($_, POSIX::F_SETFL(), $fl | POSIX::O_NONBLOCK()) }
$SIG{CHLD} = sub { syswrite($wake_w, 'x') };
my ($inbuf, $rin, $eof, %jobs, %bypid, %fds) = ('', '', 0);
vec($rin, 0, 1) = 1; vec($rin, fileno $wake_r, 1) = 1;
sub out { my $s = join('', @_); my $off = 0;
  while ($off < length $s) { my $n = syswrite(STDOUT, $s, length($s) - $off, $off);
    if (!defined $n) { next if $!{EINTR}; POSIX::_exit(0) } $off += $n } }
sub finish { my ($id) = @_; my $j = $jobs{$id};
  return if $j->{open} || !defined $j->{status}; out("E $id $j->{status}\n"); delete $jobs{$id} }
sub start { my ($id, $cookie, $cmd) = @_;
  my ($or, $ow, $er, $ew);
  unless (pipe($or, $ow) && pipe($er, $ew)) { out("F $id pipe: $!\n"); return }
  my $pid = fork;
  unless (defined $pid) { out("F $id fork: $!\n"); return }
  if ($pid == 0) {
    POSIX::setsid(); $SIG{$_} = 'DEFAULT' for qw(INT TERM HUP QUIT PIPE CHLD);
    open(STDIN, '<', '/dev/null'); open(STDOUT, '>&', $ow); open(STDERR, '>&', $ew);
    $ENV{LWT_JOB} = $cookie;
    { exec('/bin/sh', '-c', $cmd) }
    print STDERR "cannot run /bin/sh: $!\n"; POSIX::_exit(127);
  }
  close $ow; close $ew;
  $jobs{$id} = { open => 2 }; $bypid{$pid} = $id;
  for ([$or, 1], [$er, 2]) { $fds{fileno $_->[0]} = [$id, $_->[1], $_->[0]]; vec($rin, fileno $_->[0], 1) = 1 }
  out("P $id $pid\n") }
sub reap { while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
  my $id = delete $bypid{$pid}; next unless defined $id; $jobs{$id}{status} = $?; finish($id) } }
out("R\n");
while (1) {
  reap();
  last if $eof && !%jobs;
  my $r = $rin; my $n = select($r, undef, undef, undef);
  if ($n < 0) { next if $!{EINTR}; die "select: $!" }
  sysread($wake_r, my $drain, 512) if vec($r, fileno $wake_r, 1);
  if (!$eof && vec($r, 0, 1)) {
    my $got = sysread(STDIN, $inbuf, 65536, length $inbuf);
    if (!defined $got) { next if $!{EINTR}; $got = 0 }
    if (!$got) { $eof = 1; vec($rin, 0, 1) = 0 }
    while ($inbuf =~ /\AS (\d+) (\S+) (\d+)\n/) {
      my ($id, $cookie, $len, $head) = ($1, $2, $3, length $&);
      last if length($inbuf) < $head + $len;
      my $cmd = substr($inbuf, $head, $len); substr($inbuf, 0, $head + $len) = '';
      start($id, $cookie, $cmd) } }
  for my $fd (keys %fds) {
    next unless vec($r, $fd, 1);
    my ($id, $stream, $fh) = @{$fds{$fd}};
    my $got = sysread($fh, my $buf, 65536);
    next if !defined $got && $!{EINTR};
    if ($got) { out("O $id $stream ", length($buf), "\n", $buf) }
    else { close $fh; vec($rin, $fd, 1) = 0; delete $fds{$fd}; $jobs{$id}{open}--; finish($id) } }
}
`;
