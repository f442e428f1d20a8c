/**
 * put-all --changed's receiver on the host: ONE Perl process, started by the listing's own
 * shell once the listing is read (see held-listing.ts), that carries out a small plan sent on
 * its stdin. A second channel (the SFTP subsystem: a fork of sshd, its set-up, five requests
 * and three round trips per file) cost each host more than the few files it carries.
 *
 * The guarantees are the SFTP path's (push.ts): every file is written under its temporary name
 * in its destination folder, opened O_CREAT|O_EXCL with mode 0600 (never through a
 * symlink, never into an existing file), given its mode and mtime on the open handle, closed,
 * and only then renamed over its final name. A stream that ends mid-file (the connection gone)
 * removes that temporary file and exits: nothing partial is ever renamed. Names travel as data,
 * never as code or as an operand, so a name beginning with `-` is just a name.
 *
 * Input: records of NUL-ended fields, the first naming the step:
 *   T path            remove a leftover temporary file (missing is fine)
 *   D path            remove a file or symlink (--delete; missing is fine)
 *   R path            remove a folder (--delete; missing is fine)
 *   F tmp final mode atime mtime size   then `size` bytes of content
 *   A path mode atime mtime             set a file's or folder's mode and times
 * Output: `P\0` once started, then per record `+\0` (done) or `-\0<one-line problem>\0`.
 */
import { decodeName, encodeName } from './byte-names.js';

/**
 * The Perl program (for `perl -e`): perl 5.8 syntax, and no module at all. Fcntl and Errno
 * (and strict) were half of the receiver's start on the host (3.4 ms of CPU against 1.7 for
 * `perl -e 1`). So the numbers are spelled here: errno 1, 2, 13 are EPERM, ENOENT, EACCES on
 * every Unix; O_WRONLY|O_CREAT|O_EXCL is 1|64|128 on Linux (x86, ARM, POWER, s390, RISC-V) but
 * not everywhere (MIPS, SPARC, the BSDs), so the program first proves the flags: opening `.`
 * with them must fail with EEXIST (17 everywhere). Otherwise it exits 5 before its first answer,
 * and the files go by SFTP. O_CREAT|O_EXCL never follows a symlink at the last component
 * (POSIX), so O_NOFOLLOW adds nothing here.
 */
export const RECEIVE_PROGRAM = `binmode STDIN; binmode STDOUT;
my $F = 1 | 64 | 128;
exit 5 if sysopen(my $probe, '.', $F) || $! != 17;
my ($buf, $open);
END { unlink $open if defined $open }
sub why { return 'no such file or folder' if $! == 2; return 'permission denied' if $! == 13 || $! == 1; return lc "$!" }
sub field { local $/ = "\\0"; my $v = <STDIN>; exit 3 unless defined $v && chop($v) eq "\\0"; return $v }
sub drain { my ($fh, $n) = @_; my $err;
  while ($n > 0) {
    my $r = read(STDIN, $buf, $n < 65536 ? $n : 65536);
    exit 3 unless $r;
    $n -= $r;
    next if !$fh || defined $err;
    for (my $o = 0; $o < $r; ) { my $w = syswrite($fh, $buf, $r - $o, $o); if (!defined $w) { $err = why(); last } $o += $w }
  }
  return $err }
sub gone { my $p = shift; return unlink($p) || $! == 2 }
$| = 0;
print "P\\0";
while (1) {
  my $op;
  { local $/ = "\\0"; $op = <STDIN> }
  last unless defined $op;
  chop $op;
  my $err;
  if ($op eq 'T' || $op eq 'D') { my $p = field(); $err = "remove $p: " . why() unless gone($p) }
  elsif ($op eq 'R') { my $p = field(); $err = "rmdir $p: " . why() unless rmdir($p) || $! == 2 }
  elsif ($op eq 'A') {
    my ($p, $m, $at, $mt) = (field(), field(), field(), field());
    $err = "setstat $p: " . why() unless chmod($m, $p) && utime($at, $mt, $p);
  }
  elsif ($op eq 'F') {
    my ($tmp, $dst, $m, $at, $mt, $n) = (field(), field(), field(), field(), field(), field());
    my $fh;
    if (!sysopen($fh, $tmp, $F, 0600)) { $err = "open $dst: " . why(); drain(undef, $n) }
    else {
      $open = $tmp;
      my $w = drain($fh, $n);
      if (defined $w) { $err = "write $dst: $w" }
      elsif (!chmod($m, $fh) || !utime($at, $mt, $fh)) { $err = "setstat $dst: " . why() }
      if (!close($fh) && !defined $err) { $err = "close $dst: " . why() }
      if (!defined $err && !rename($tmp, $dst)) { $err = "rename $dst: " . why() }
      unlink $tmp if defined $err;
      $open = undef;
    }
  }
  else { exit 4 }
  print defined $err ? "-\\0$err\\0" : "+\\0";
}
exit 0;
`;

/** One step for the receiver; `content` only with F. */
export type ReceiveStep =
  | { op: 'T' | 'D' | 'R'; path: string }
  | { op: 'A'; path: string; mode: number; atime: number; mtime: number }
  | { op: 'F'; tmp: string; path: string; mode: number; atime: number; mtime: number; size: number };

/** The header of a step (for F, its content follows). Paths as their exact bytes. */
export function stepHeader(s: ReceiveStep): Buffer {
  const parts: Array<string | Buffer> = [s.op];
  if (s.op === 'F') parts.push(encodeName(s.tmp));
  parts.push(encodeName(s.path));
  if (s.op === 'A' || s.op === 'F') parts.push(String(s.mode & 0o7777), String(Math.floor(s.atime)), String(Math.floor(s.mtime)));
  if (s.op === 'F') parts.push(String(s.size));
  const out: Buffer[] = [];
  for (const p of parts) out.push(typeof p === 'string' ? Buffer.from(p, 'latin1') : p, ZERO);
  return Buffer.concat(out);
}

const ZERO = Buffer.of(0);

/**
 * The receiver's answer: whether it started, and one reply per step it finished (undefined
 * for done, the problem otherwise), in the order sent. A cut-off answer gives fewer replies.
 */
export function parseReplies(out: Buffer): { started: boolean; replies: Array<string | undefined> } {
  if (out.length < 2 || out[0] !== 0x50 || out[1] !== 0) return { started: false, replies: [] };
  const replies: Array<string | undefined> = [];
  let i = 2;
  while (i + 1 < out.length && out[i + 1] === 0) {
    const c = out[i];
    if (c === 0x2b) {
      replies.push(undefined);
      i += 2;
    } else if (c === 0x2d) {
      const end = out.indexOf(0, i + 2);
      if (end < 0) break;
      replies.push(decodeName(out.subarray(i + 2, end)));
      i = end + 1;
    } else {
      break;
    }
  }
  return { started: true, replies };
}
