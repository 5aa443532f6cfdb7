#!/usr/bin/python3
"""Pty helpers for tests/system/console/run.

  attach.py read TTY PATTERN [SECS]
      Reads the console pty TTY until PATTERN shows up (exit 0) or SECS
      (default 5) pass (exit 1, what was read on stderr).
  attach.py write TTY TEXT
      Writes TEXT to the pty, as a person typing on the console.
  attach.py run [--setup CMD] [--expect PATTERN] [--type TEXT] [--end detach|CMD]
                -- ARGV...
      Runs ARGV (xcd console, xcd create -c) on a new pty as its terminal,
      runs CMD with bash once started (--setup), waits for PATTERN in
      its output, types TEXT (then waits 0.5 s), then ends it: "detach" types Ctrl-], any other CMD is run
      with bash (destroying the domain, say). Prints "exit N" with the
      program's status once it exits within 10 s; exit 1 otherwise."""
import os
import pty
import select
import subprocess
import sys
import time


def read_until(fd, pattern, secs, seen=b""):
    end = time.monotonic() + secs
    while pattern.encode() not in seen:
        left = end - time.monotonic()
        if left <= 0:
            return False, seen
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            return pattern.encode() in seen, seen
        if not chunk:
            return pattern.encode() in seen, seen
        seen += chunk
    return True, seen


def cmd_read(tty, pattern, secs=5.0):
    fd = os.open(tty, os.O_RDWR | os.O_NOCTTY)
    ok, seen = read_until(fd, pattern, float(secs))
    os.close(fd)
    if not ok:
        sys.stderr.write("read %s: no %r in %r\n" % (tty, pattern, seen))
    return 0 if ok else 1


def cmd_write(tty, text):
    fd = os.open(tty, os.O_RDWR | os.O_NOCTTY)
    os.write(fd, text.encode())
    os.close(fd)
    return 0


def cmd_run(args):
    setup = expect = text = None
    end = "detach"
    while args and args[0] != "--":
        opt, val = args[0], args[1]
        args = args[2:]
        if opt == "--setup":
            setup = val
        elif opt == "--expect":
            expect = val
        elif opt == "--type":
            text = val
        elif opt == "--end":
            end = val
        else:
            sys.stderr.write("attach.py run: unknown option %s\n" % opt)
            return 2
    argv = args[1:]
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    seen = b""
    if setup:
        subprocess.run(["bash", "-c", setup], timeout=20)
    if expect:
        ok, seen = read_until(fd, expect, 8.0)
        if not ok:
            sys.stderr.write("run %s: no %r in %r\n" % (argv, expect, seen))
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            return 1
    if text:
        os.write(fd, text.encode())
        time.sleep(0.5)
    if end == "detach":
        os.write(fd, b"\x1d")
    else:
        subprocess.run(["bash", "-c", end], timeout=20)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        # Keep draining the pty so the program never blocks writing to it.
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                pass
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            print("exit %d" % code)
            sys.stderr.write("output: %r\n" % seen)
            return 0
    sys.stderr.write("run %s: still running 10 s after the end was asked; output %r\n"
                     % (argv, seen))
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return 1


def main():
    a = sys.argv[1:]
    if len(a) >= 3 and a[0] == "read":
        return cmd_read(*a[1:])
    if len(a) == 3 and a[0] == "write":
        return cmd_write(a[1], a[2])
    if a and a[0] == "run" and "--" in a:
        return cmd_run(a[1:])
    sys.stderr.write(__doc__)
    return 2


sys.exit(main())
