#!/usr/bin/env python3
"""`flowc fmt` from the command line: in place, `-`, directories, --check and --diff, and the
files it must leave alone (syntax errors, read-only files, a full disk).

usage: fmt_cli_test.py FLOWC
Needs root: the full-disk case mounts a small tmpfs; fails without it.
"""
import os
import shutil
import stat
import subprocess
import sys
import tempfile

failures = []
MESSY = b"flow  demo   \"d\"\n\n\n\nagent a <\n      model sonnet\n>\nstage s   a\t review a\n"
TIDY = b"flow demo \"d\"\n\nagent a <\n  model sonnet\n>\nstage s a review a\n"


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)


def flowc(*args, cwd, stdin=b""):
    return subprocess.run([FLOWC, *args], input=stdin, capture_output=True, cwd=cwd,
                          env={**os.environ, "NO_COLOR": "1"}, timeout=60)


def write(path, data, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def leftovers(d):
    return [f for f in os.listdir(d) if ".fmt-" in f]


def test_in_place(w):
    write(os.path.join(w, "a.flow"), MESSY, 0o640)
    r = flowc("fmt", "a.flow", cwd=w)
    check(r.returncode == 0 and not r.stdout and not r.stderr, f"in place: exit 0, silent: {r}")
    check(read(os.path.join(w, "a.flow")) == TIDY, "in place: the file is formatted")
    check(stat.S_IMODE(os.stat(os.path.join(w, "a.flow")).st_mode) == 0o640, "in place: mode kept")
    check(not leftovers(w), f"in place: no temporary file left: {leftovers(w)}")
    os.chown(os.path.join(w, "a.flow"), 4321, 4322)
    write(os.path.join(w, "a.flow"), MESSY, 0o640)
    r = flowc("fmt", "a.flow", cwd=w)
    st = os.stat(os.path.join(w, "a.flow"))
    check(r.returncode == 0 and (st.st_uid, st.st_gid) == (4321, 4322),
          f"in place: the owner is kept: {st.st_uid}:{st.st_gid}")
    before = os.stat(os.path.join(w, "a.flow")).st_ino
    r = flowc("fmt", "a.flow", cwd=w)
    check(r.returncode == 0 and os.stat(os.path.join(w, "a.flow")).st_ino == before,
          "in place: a formatted file is not rewritten")


def test_symlink(w):
    write(os.path.join(w, "real", "r.flow"), MESSY)
    os.symlink(os.path.join("real", "r.flow"), os.path.join(w, "link.flow"))
    r = flowc("fmt", "link.flow", cwd=w)
    check(r.returncode == 0, f"symlink: exit 0: {r}")
    check(os.path.islink(os.path.join(w, "link.flow")), "symlink: the link stays a link")
    check(read(os.path.join(w, "real", "r.flow")) == TIDY, "symlink: the file it points to is formatted")
    check(not leftovers(w) and not leftovers(os.path.join(w, "real")), "symlink: no temporary file left")


def test_check_and_diff(w):
    write(os.path.join(w, "m.flow"), MESSY)
    write(os.path.join(w, "t.flow"), TIDY)
    r = flowc("fmt", "--check", "m.flow", "t.flow", cwd=w)
    out = r.stdout.decode()
    check(r.returncode == 1, f"--check: exit 1 when a file would change: {r}")
    check(out == "--- m.flow\n+++ m.flow (formatted)\n@@ -1,8 +1,6 @@\n-flow  demo   \"d\"\n-\n-\n"
                 "+flow demo \"d\"\n \n agent a <\n-      model sonnet\n+  model sonnet\n >\n"
                 "-stage s   a\t review a\n+stage s a review a\n",
          f"--check: a unified diff of the file: {out}")
    check("t.flow" not in out, "--check: nothing for a formatted file")
    check(read(os.path.join(w, "m.flow")) == MESSY, "--check: writes nothing")
    r = flowc("fmt", "--check", "t.flow", cwd=w)
    check(r.returncode == 0 and not r.stdout, f"--check: exit 0 and silent when formatted: {r}")
    r = flowc("fmt", "--diff", "m.flow", cwd=w)
    check(r.returncode == 0 and r.stdout.decode() == out, f"--diff: the same diff, exit 0: {r}")
    check(read(os.path.join(w, "m.flow")) == MESSY, "--diff: writes nothing")
    # The diff is the one `diff -u` prints (apart from its time stamps).
    write(os.path.join(w, "tidy"), TIDY)
    d = subprocess.run(["diff", "-u", "m.flow", "tidy"], capture_output=True, cwd=w).stdout.decode()
    check(out.split("\n", 2)[2] == d.split("\n", 2)[2], f"--check: hunks as diff -u: {d}")
    r = flowc("fmt", "--check", "--diff", "m.flow", cwd=w)
    check(r.returncode == 2, f"--check with --diff is a usage error: {r}")


def test_stdin(w):
    r = flowc("fmt", "-", cwd=w, stdin=MESSY)
    check(r.returncode == 0 and r.stdout == TIDY, f"-: formatted text on stdout: {r}")
    r = flowc("fmt", "--check", "-", cwd=w, stdin=MESSY)
    check(r.returncode == 1 and r.stdout.startswith(b"--- <stdin>\n"), f"--check -: {r}")
    r = flowc("fmt", "-", cwd=w, stdin=b"stage s <\n")
    check(r.returncode == 2 and not r.stdout and r.stderr.startswith(b"<stdin>:1:10: error[E0010]"),
          f"-: a syntax error: nothing on stdout, exit 2: {r}")


def test_directory(w):
    d = os.path.join(w, "dir")
    write(os.path.join(d, "one.flow"), MESSY)
    write(os.path.join(d, "sub", "two.flow"), MESSY)
    write(os.path.join(d, ".hidden", "three.flow"), MESSY)
    write(os.path.join(d, "notes.txt"), MESSY)
    r = flowc("fmt", "dir", cwd=w)
    check(r.returncode == 0, f"directory: exit 0: {r}")
    check(read(os.path.join(d, "one.flow")) == TIDY and read(os.path.join(d, "sub", "two.flow")) == TIDY,
          "directory: every .flow file under it is formatted")
    check(read(os.path.join(d, ".hidden", "three.flow")) == MESSY and read(os.path.join(d, "notes.txt")) == MESSY,
          "directory: hidden directories and other files are left alone")
    os.makedirs(os.path.join(w, "empty"))
    r = flowc("fmt", "empty", cwd=w)
    check(r.returncode == 2 and b"no .flow file under the directory 'empty'" in r.stderr, f"empty directory: {r}")


def test_syntax_error(w):
    bad = b"flow x\nstage s <\n  a;\n  b \"\\q\"\n>\n"
    write(os.path.join(w, "bad.flow"), bad)
    write(os.path.join(w, "good.flow"), MESSY)
    mtime = os.stat(os.path.join(w, "bad.flow")).st_mtime_ns
    r = flowc("fmt", "bad.flow", "good.flow", cwd=w)
    err = r.stderr.decode()
    check(r.returncode == 2, f"syntax error: exit 2: {r}")
    check(err.startswith("bad.flow:4:7: error[E0007]: unknown escape sequence `\\q`\n"
                         "  = help: the file was left unchanged; `flowc check bad.flow` shows every syntax error\n"),
          f"syntax error: file:line:col and what to do: {err}")
    check(read(os.path.join(w, "bad.flow")) == bad and os.stat(os.path.join(w, "bad.flow")).st_mtime_ns == mtime,
          "syntax error: the file is untouched")
    check(read(os.path.join(w, "good.flow")) == TIDY, "syntax error: the other files are still formatted")
    r = flowc("fmt", "missing.flow", cwd=w)
    check(r.returncode == 2 and r.stderr == b"flowc: error: cannot read 'missing.flow': no such file or directory\n",
          f"missing file: {r}")


def test_read_only(w):
    path = os.path.join(w, "ro.flow")
    write(path, MESSY, 0o444)
    r = flowc("fmt", "ro.flow", cwd=w)
    check(r.returncode == 2 and r.stderr == b"flowc: error: cannot write 'ro.flow': the file is read-only\n",
          f"read-only: exit 2 with a message: {r}")
    check(read(path) == MESSY and stat.S_IMODE(os.stat(path).st_mode) == 0o444, "read-only: left as it was")
    r = flowc("fmt", "--check", "ro.flow", cwd=w)
    check(r.returncode == 1, f"read-only: --check still reads it: {r}")


def test_full_disk(w):
    mnt = os.path.join(w, "mnt")
    os.makedirs(mnt)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt], check=True)
    try:
        # A file that grows when formatted (its lines get indented), on a disk with less room
        # left than the formatted text needs.
        messy = b"stage s <\n" + b"a;\n" * 6000 + b"b\n>\n"
        path = os.path.join(mnt, "big.flow")
        write(path, messy)
        fd = os.open(os.path.join(mnt, "filler"), os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(fd, b"x" * 512)
        except OSError:
            pass
        finally:
            os.close(fd)
        r = flowc("fmt", "big.flow", cwd=mnt)
        check(r.returncode == 2 and r.stderr == b"flowc: error: cannot write 'big.flow': "
                                                 b"no space left on device; the file is unchanged\n",
              f"full disk: exit 2, the OS error named: {r}")
        check(read(path) == messy, "full disk: the original is intact")
        check(not leftovers(mnt), f"full disk: the temporary file is removed: {leftovers(mnt)}")
        os.unlink(os.path.join(mnt, "filler"))
        r = flowc("fmt", "big.flow", cwd=mnt)
        check(r.returncode == 0 and read(path).startswith(b"stage s <\n  a;\n"), f"full disk: fine with room: {r}")
    finally:
        subprocess.run(["umount", mnt], check=True)


def main():
    global FLOWC
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    if os.geteuid() != 0:
        sys.exit("fmt_cli_test.py needs root (it mounts a tmpfs)")
    FLOWC = os.path.abspath(sys.argv[1])
    base = tempfile.mkdtemp(prefix="flowc-fmt-")
    try:
        for name, fn in sorted(globals().items()):
            if name.startswith("test_"):
                work = os.path.join(base, name)
                os.makedirs(work)
                fn(work)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    if failures:
        sys.exit(f"{len(failures)} failure(s)")
    print("fmt cli: all passed")


if __name__ == "__main__":
    main()
