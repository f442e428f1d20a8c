/**
 * get-all's file stream (the format and the guarantees of fetch-script.ts) written by one Perl
 * process instead of the shell's dd + sed + subshell per file. Those forks were get-all's cost
 * on the host: about 3.5 ms a file even on a quiet machine, minutes for a tree of thousands of
 * files on a busy one. Perl makes the same checks with system calls only: each folder is
 * entered with chdir and checked with getcwd against its real path below REMOTE's real path
 * (the working folder is pinned from then on), a file is checked with lstat/stat, opened with
 * O_NOFOLLOW|O_NONBLOCK (never through a last-component symlink, never blocking on a FIFO),
 * checked again on the open handle (a swap between the check and the open is seen), and read
 * up to the listed size + 1 byte.
 *
 * The program comes on stdin (`perl -`), the list after `__END__`: one line per folder
 * (`d <hex of its real path>`) and per file (`f <hex of its name> <listed size + 1>`), hex so
 * that any byte of a name travels and no name can be read as code. Only core modules of
 * perl-base (Fcntl, Cwd). A host without perl answers 127 (or 126: found but not runnable)
 * before any byte: the caller then runs the shell script.
 */
import type { Entry } from './entry.js';
import { encodeName } from './byte-names.js';
import { baseName, byFolder } from './fetch-script.js';
import { joinRemote } from './paths.js';

/** The remote command that runs the program, or exits 127 when the host has no perl (126 when it cannot run it). */
export const FETCH_PROGRAM_COMMAND = 'command -v perl >/dev/null 2>&1 || exit 127; exec perl -';

const NOT_REGULAR = 'not a regular file on the host any more';

function program(followLinks: boolean): string {
  return `use strict;
use Fcntl qw(O_RDONLY O_NOFOLLOW O_NONBLOCK);
use Cwd qw(getcwd);
binmode STDOUT; binmode DATA;
my $follow = ${followLinks ? 1 : 0};
my $flags = O_RDONLY | O_NONBLOCK | ($follow ? 0 : O_NOFOLLOW);
my $zeros = "\\0" x 65536;
my ($in, $why) = (0, '');
my $buf;
sub pad { my $n = shift; while ($n > 0) { my $k = $n < 65536 ? $n : 65536; print substr($zeros, 0, $k); $n -= $k } }
while (my $l = <DATA>) {
  chomp $l;
  my ($t, $h, $n) = split / /, $l;
  my $name = pack 'H*', $h;
  if ($t eq 'd') {
    $in = chdir($name) && ($follow || getcwd() eq $name);
    $why = "its folder $name is not where it was listed (moved, or a symlink now)";
    next;
  }
  if (!$in) { print "E\\0$why\\0"; next }
  if ($follow ? !-f $name : (-l $name || !-f _)) { print "E\\0${NOT_REGULAR}\\0"; next }
  my $fh;
  if (!sysopen($fh, $name, $flags)) { print "D\\0"; pad($n); print "x\\0"; next }
  if (!-f $fh) { close $fh; print "E\\0${NOT_REGULAR}\\0"; next }
  print "D\\0";
  my $got = 0;
  while ($got < $n) {
    my $r = sysread($fh, $buf, $n - $got < 65536 ? $n - $got : 65536);
    last unless $r;
    print $buf;
    $got += $r;
  }
  close $fh;
  pad($n - $got);
  print "$got\\0";
}
__END__
`;
}

/**
 * stdin for FETCH_PROGRAM_COMMAND that streams `files` (relative names below REMOTE, whose
 * real path is `realRoot`), in the same order as fetchScript's (grouped by folder).
 */
export function fetchProgram(realRoot: string, files: readonly Entry[], followLinks: boolean): { order: Entry[]; input: Buffer } {
  const hex = (s: string): string => encodeName(s).toString('hex');
  const lines: string[] = [];
  const order: Entry[] = [];
  for (const [dir, list] of byFolder(files)) {
    const real = joinRemote(realRoot, dir);
    lines.push(`d ${hex(real.startsWith('/') ? real : `./${real}`)}`);
    for (const e of list) lines.push(`f ${hex(baseName(e.rel))} ${e.size + 1}`);
    order.push(...list);
  }
  return { order, input: Buffer.from(program(followLinks) + lines.join('\n') + '\n') };
}
