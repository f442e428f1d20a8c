/**
 * The job spawner in Python (spawner.ts tries it before the Perl one, spawner-script.ts, which
 * speaks the same protocol). Python has posix_spawn: glibc starts the child with vfork
 * semantics (it shares this process's memory until it execs /bin/sh), so a job costs no copy of
 * page tables and no copy-on-write faults here or in the child, which were most of what a
 * fork-based spawner costs beyond the job itself: 2,000 `true` jobs at 50 at once took
 * 2.6 s of CPU through Perl's fork and 1.8 s through this, xargs -P 1.7 s.
 *
 * Python 3.8 or later (posix_spawn with setsid); an older one, or a C library that cannot
 * start a session in posix_spawn, exits before the ready line and lwt tries Perl.
 * Signals: INT, TERM, HUP and QUIT are ignored here (lwt kills the jobs itself and must still
 * hear how they ended); every job starts with them, PIPE and XFSZ (Python ignores both) at the
 * default and with no signal blocked. SIGCHLD wakes poll() through the wakeup pipe (Python
 * writes to it from its C-level handler, so no exit is missed between a reap and the next poll).
 * Names and values are bytes throughout, so commands and the environment pass through as given.
 */
export const SPAWNER_PYTHON = String.raw`
import os, re, select, signal, sys
if sys.version_info < (3, 8): sys.exit(3)
for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT): signal.signal(s, signal.SIG_IGN)
DEFAULT = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGPIPE, signal.SIGXFSZ, signal.SIGCHLD}
wake_r, wake_w = os.pipe()
os.set_blocking(wake_r, False); os.set_blocking(wake_w, False)
signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
signal.signal(signal.SIGCHLD, lambda *_: None)
null = os.open('/dev/null', os.O_RDONLY)
# The environment lwt gave, as exec passed it: os.environ may have LC_CTYPE added (PEP 538).
try:
    with open('/proc/self/environ', 'rb') as f:
        env = dict(e.split(b'=', 1) for e in f.read().split(b'\0') if b'=' in e)
except OSError:
    env = dict(os.environb)
SH = b'/bin/sh'
def spawn(cmd, stdin, stdout, stderr):
    return os.posix_spawn(SH, [SH, b'-c', cmd], env, file_actions=[(os.POSIX_SPAWN_DUP2, stdin, 0),
        (os.POSIX_SPAWN_DUP2, stdout, 1), (os.POSIX_SPAWN_DUP2, stderr, 2)], setsid=True, setsigdef=DEFAULT, setsigmask=())
try:
    os.waitpid(spawn(b':', null, null, null), 0)
except (OSError, NotImplementedError, TypeError, ValueError):
    sys.exit(3)
jobs, bypid, fds, out = {}, {}, {}, [b'R\n']
inbuf, eof, quit = b'', False, False
def orphaned():
    # lwt is gone (its pipe ended without Q, or our output broke): nobody will kill the jobs or
    # hear how they ended, so their process groups (each job leads its own) are killed now.
    for pid in bypid:
        try: os.killpg(pid, signal.SIGKILL)
        except OSError: pass
    os._exit(0)
poll = select.poll()
poll.register(0, select.POLLIN); poll.register(wake_r, select.POLLIN)
HEAD = re.compile(rb'S (\d+) (\S+) (\d+)\n')
def flush():
    data = memoryview(b''.join(out)); out.clear()
    try:
        while data: data = data[os.write(1, data):]
    except BrokenPipeError:
        orphaned()
def finish(i):
    j = jobs[i]
    if j[0] or j[1] is None: return
    out.append(b'E %d %d\n' % (i, j[1])); del jobs[i]
def start(i, cookie, cmd):
    try:
        o_r, o_w = os.pipe(); e_r, e_w = os.pipe()
    except OSError as e:
        out.append(b'F %d pipe: %s\n' % (i, str(e.strerror or e).encode())); return
    env[b'LWT_JOB'] = cookie
    try:
        pid = spawn(cmd, null, o_w, e_w)
    except OSError as e:
        for fd in (o_r, e_r): os.close(fd)
        out.append(b'F %d cannot run /bin/sh: %s\n' % (i, str(e.strerror or e).encode())); return
    finally:
        os.close(o_w); os.close(e_w)
    jobs[i] = [2, None]; bypid[pid] = i
    for fd, stream in ((o_r, 1), (e_r, 2)):
        fds[fd] = (i, stream); poll.register(fd, select.POLLIN)
    out.append(b'P %d %d\n' % (i, pid))
def reap():
    while bypid:
        try: pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError: return
        if pid == 0: return
        i = bypid.pop(pid, None)
        if i is not None:
            jobs[i][1] = status; finish(i)
while True:
    reap()
    if out: flush()
    if eof and not jobs: break
    for fd, _ in poll.poll():
        if fd == wake_r:
            try: os.read(wake_r, 512)
            except BlockingIOError: pass
        elif fd == 0:
            got = os.read(0, 65536)
            if not got: eof = True; poll.unregister(0)
            inbuf += got; at = 0
            while True:
                if inbuf.startswith(b'Q\n', at): quit = True; at += 2; continue
                m = HEAD.match(inbuf, at)
                if not m or len(inbuf) < m.end() + int(m[3]): break
                at = m.end() + int(m[3])
                start(int(m[1]), m[2], inbuf[m.end():at])
            inbuf = inbuf[at:]
            if eof and not quit: orphaned()
        elif fd in fds:
            i, stream = fds[fd]
            data = os.read(fd, 65536)
            if data:
                out.append(b'O %d %d %d\n' % (i, stream, len(data))); out.append(data)
                if len(out) >= 16: flush()
            else:
                poll.unregister(fd); os.close(fd); del fds[fd]; jobs[i][0] -= 1; finish(i)
`;
