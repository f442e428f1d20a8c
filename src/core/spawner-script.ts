/**
 * The long-lived helper that starts local jobs for lwt (spawner.ts), in Perl (perl-base is
 * part of every Debian and Ubuntu system; where perl is missing lwt starts jobs itself).
 * Each job is forked from this ~5 MB process instead of from lwt's ~100 MB node process,
 * whose page tables the kernel copied at every fork: `lwt run` of 2,000 `true` jobs at -p 50
 * went from 1.64 to 0.95–1.08 ms a job (xargs -P: 0.52) in bench/run-local.sh.
 *
 * Protocol, lengths in bytes, every number decimal:
 *   in:  `S ID COOKIE LEN\n` + LEN bytes of command   start `sh -c COMMAND` as job ID
 *        `Q\n`                                          no more jobs: exit once they have ended
 *   out: `R\n`                                          ready (once, first)
 *        `P ID PID\n`                                   job started as PID (its own session)
 *        `O ID STREAM LEN\n` + LEN bytes                output, STREAM 1 stdout, 2 stderr
 *        `E ID STATUS\n`                                job ended: raw wait status, pipes closed
 *        `F ID MESSAGE\n`                               job could not be started
 * A job ends when its shell has exited AND both its pipes are closed (as runLocalProcess).
 * Interrupts are ignored: lwt kills the jobs itself (by pid, tree and cookie) and must still
 * hear how they ended. After `Q` it exits once its jobs have ended. The end of its input
 * without `Q`, or its output closed, means lwt died (kill -9 included, which lwt cannot
 * catch): it kills every running job's process group (each job leads its own) and exits,
 * so that nothing lwt started runs on without it.
 * SIGCHLD wakes the loop through a pipe of its own, so that no exit is missed between a
 * reap and the next select.
 */
export const SPAWNER_SCRIPT = String.raw`
use strict; use warnings; use POSIX ();
# Handlers, not IGNORE: exec resets handlers to the default, so a job starts with default signals
# without resetting them between fork and exec (every write there copies a page of this process).
$SIG{INT} = $SIG{TERM} = $SIG{HUP} = $SIG{QUIT} = $SIG{PIPE} = sub {};
binmode STDIN; binmode STDOUT;
binmode($_, ":pop") for \*STDIN, \*STDOUT;
open(my $null, '<:unix', '/dev/null') or die "/dev/null: $!"; my $nullfd = fileno $null;
pipe(my $wake_r, my $wake_w) or die "pipe: $!"; binmode($_, ":pop") for $wake_r, $wake_w;
for ($wake_r, $wake_w) { my $fl = fcntl($_, POSIX::F_GETFL(), 0); fcntl($_, POSIX::F_SETFL(), $fl | POSIX::O_NONBLOCK()) }
$SIG{CHLD} = sub { syswrite($wake_w, 'x') };
my $WNOHANG = POSIX::WNOHANG();
my ($inbuf, $outbuf, $rin, $eof, $quit, %jobs, %bypid, @fds) = ('', '', '', 0, 0);
# lwt is gone: nobody will kill the jobs or hear how they ended.
sub orphaned { kill('KILL', -$_) for keys %bypid; POSIX::_exit(0) }
vec($rin, 0, 1) = 1; vec($rin, fileno $wake_r, 1) = 1;
sub flush { my $off = 0;
  while ($off < length $outbuf) { my $n = syswrite(STDOUT, $outbuf, length($outbuf) - $off, $off);
    if (!defined $n) { next if $!{EINTR}; orphaned() } $off += $n }
  $outbuf = '' }
sub finish { my ($id) = @_; my $j = $jobs{$id};
  return if $j->{open} || !defined $j->{status}; $outbuf .= "E $id $j->{status}\n"; delete $jobs{$id} }
sub start { my ($id, $cookie, $cmd) = @_;
  my ($or, $ow, $er, $ew);
  unless (pipe($or, $ow) && pipe($er, $ew)) { $outbuf .= "F $id pipe: $!\n"; return }
  $ENV{LWT_JOB} = $cookie;
  my $pid = fork;
  unless (defined $pid) { $outbuf .= "F $id fork: $!\n"; return }
  if ($pid == 0) {
    POSIX::setsid(); POSIX::dup2($nullfd, 0); POSIX::dup2(fileno $ow, 1); POSIX::dup2(fileno $ew, 2);
    { exec('/bin/sh', '-c', $cmd) }
    print STDERR "cannot run /bin/sh: $!\n"; POSIX::_exit(127);
  }
  close $ow; close $ew; binmode($_, ":pop") for $or, $er;
  $jobs{$id} = { open => 2 }; $bypid{$pid} = $id;
  for ([$or, 1], [$er, 2]) { $fds[fileno $_->[0]] = [$id, $_->[1], $_->[0]]; vec($rin, fileno $_->[0], 1) = 1 }
  $outbuf .= "P $id $pid\n" }
sub reap { while ((my $pid = waitpid(-1, $WNOHANG)) > 0) {
  my $id = delete $bypid{$pid}; next unless defined $id; $jobs{$id}{status} = $?; finish($id) } }
$outbuf = "R\n"; flush();
my $wakefd = fileno $wake_r;
while (1) {
  reap();
  flush() if length $outbuf;
  last if $eof && !%jobs;
  my $r = $rin; my $n = select($r, undef, undef, undef);
  if ($n < 0) { next if $!{EINTR}; die "select: $!" }
  my $bits = unpack('b*', $r);
  while ($bits =~ /1/g) {
    my $fd = pos($bits) - 1;
    if ($fd == $wakefd) { sysread($wake_r, my $drain, 512); next }
    if ($fd == 0) {
      my $got = sysread(STDIN, $inbuf, 65536, length $inbuf);
      if (!defined $got) { next if $!{EINTR}; $got = 0 }
      if (!$got) { $eof = 1; vec($rin, 0, 1) = 0 }
      if ($inbuf =~ s/\AQ\n//) { $quit = 1 }
      while ($inbuf =~ /\AS (\d+) (\S+) (\d+)\n/) {
        my ($id, $cookie, $len, $head) = ($1, $2, $3, length $&);
        last if length($inbuf) < $head + $len;
        my $cmd = substr($inbuf, $head, $len); substr($inbuf, 0, $head + $len) = '';
        start($id, $cookie, $cmd);
        $quit = 1 if $inbuf =~ s/\AQ\n// }
      orphaned() if $eof && !$quit;
      next }
    my $f = $fds[$fd] or next;
    my ($id, $stream, $fh) = @$f;
    my $got = sysread($fh, my $buf, 65536);
    next if !defined $got && $!{EINTR};
    if ($got) { $outbuf .= "O $id $stream " . length($buf) . "\n" . $buf; flush() if length $outbuf > 65536 }
    else { close $fh; vec($rin, $fd, 1) = 0; $fds[$fd] = undef; $jobs{$id}{open}--; finish($id) } }
}
`;
