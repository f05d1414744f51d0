#!/bin/bash
# `make run` as a newcomer uses it, in a scratch copy of this tree (the
# real build/run-disk.img is never touched), driven over its console:
#   1. first run: the disk is made; /proc/swaps shows the swap disk
#      (/etc/fstab, swapon -a at boot); write a file of one's own; halt
#      -> make exits 0
#   2. add a program in user/, and a host file with ADD=; second run: the
#      program and the file are there, and so is the file of step 1;
#      `reboot` -> the machine boots again to a prompt, the file is still
#      there; poweroff -> make exits 0, no "make: *** Error"
#   3. Ctrl-A x (a power cut) after a sync: the next run replays the
#      disk's journal first and the synced file is there
#   4. e2fsck -fn on the disk; make reset-disk -> the user's file is gone
# Every wait is bounded; a mismatch fails with the console transcript.
set -u
here=$(dirname "$(readlink -f "$0")")
top=$(dirname "$here")
for f in "$top/build/ferry.elf" "$top/build/initrd.cpio"; do
	[ -f "$f" ] || { echo "make-run: $f missing (make kernel initrd)"; exit 1; }
done
scratch=$(mktemp -d --tmpdir ferry-make-run.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
# Sources as they are now, and the build's objects so that only what the
# test changes is rebuilt (tar keeps the times make compares); not the
# Debian tree (make debian's cache, most of a gigabyte) nor disk images.
(cd "$top" && tar --exclude=./.git --exclude=./build -cf - .) | (cd "$scratch" && tar -xf -)
mkdir -p "$scratch/build"
(cd "$top/build" && tar --exclude=./test-logs --exclude=./bench --exclude='./*.img' --exclude='./*.swap' \
	--exclude=./debian \
	--exclude='./*.iso' -cf - .) |
	(cd "$scratch/build" && tar -xf -)
exec python3 - "$scratch" <<'EOF'
import os, re, shutil, subprocess, sys, threading, time

tree = sys.argv[1]
disk = tree + "/build/test-run-disk.img"
def tool(name):
    return shutil.which(name) or "/sbin/" + name
ESC = re.compile(rb"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07]*\x07|[@-Z\\-_])")

class Run:
    """One `make run`, its console read as it comes."""
    def __init__(self, *args):
        self.raw = bytearray()
        self.lock = threading.Lock()
        self.p = subprocess.Popen(["make", "--no-print-directory", "-C", tree, "run",
                                   "RUN_DISK=" + disk] + list(args),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, start_new_session=True)
        threading.Thread(target=self.reader, daemon=True).start()
        self.n = 0
    def reader(self):
        while True:
            b = self.p.stdout.read1(4096)
            if not b:
                break
            with self.lock:
                self.raw.extend(b)
    def text(self):
        with self.lock:
            b = bytes(self.raw)
        return ESC.sub(b"", b).replace(b"\r", b"").decode("latin-1")
    def fail(self, msg):
        print("make-run: FAIL: " + msg)
        print("---- console transcript ----")
        print(self.text())
        print("---- end ----")
        try:
            os.killpg(self.p.pid, 9)
        except OSError:
            pass
        sys.exit(1)
    def send(self, s):
        try:
            self.p.stdin.write(s.encode())
            self.p.stdin.flush()
        except OSError as e:
            self.fail("cannot write to the console (%s)" % e)
    def wait_for(self, pattern, start, timeout, what):
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern, re.M)
        while True:
            m = rx.search(self.text(), start)
            if m:
                return m
            if self.p.poll() is not None:
                self.fail("make exited (status %d) while waiting for %s" % (self.p.returncode, what))
            if time.monotonic() > deadline:
                self.fail("no %s within %d s" % (what, timeout))
            time.sleep(0.1)
    def shell_up(self, start=0, timeout=240):
        """Type a marker until the shell echoes it back; lines typed early are kept and run later."""
        self.n += 1
        mark = "UP%d" % self.n
        deadline = time.monotonic() + timeout
        rx = re.compile(r"^%s$" % mark, re.M)
        while not rx.search(self.text(), start):
            if self.p.poll() is not None:
                self.fail("make exited (status %d) before the shell answered" % self.p.returncode)
            if time.monotonic() > deadline:
                self.fail("the shell did not answer within %d s" % timeout)
            self.send("echo U\"\"P%d\n" % self.n)
            until = time.monotonic() + 5
            while time.monotonic() < until and not rx.search(self.text(), start):
                time.sleep(0.1)
    def run(self, cmd, timeout=60):
        """Type cmd and a marker; return the text between the echoed line and the marker."""
        self.n += 1
        start = len(self.text())
        self.send("%s; echo M\"\"ARK%d\n" % (cmd, self.n))
        typed = self.wait_for(r"M\"\"ARK%d" % self.n, start, timeout, "echo of `%s`" % cmd)
        done = self.wait_for(r"^MARK%d$" % self.n, typed.end(), timeout, "end of `%s`" % cmd)
        return self.text()[typed.end():done.start()]
    def check(self, cmd, pattern, what, timeout=60):
        out = self.run(cmd, timeout)
        if not re.search(pattern, out, re.M):
            self.fail("`%s`: expected %s, got:\n%s" % (cmd, what, out))
        print("make-run: ok - %s" % cmd)
    def stop(self, cmd, what, timeout=90):
        start = len(self.text())
        self.send(cmd + "\n")
        try:
            rc = self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.fail("make run did not end within %d s of `%s`" % (timeout, cmd))
        time.sleep(0.2)
        if rc != 0 or "make: ***" in self.text()[start:]:
            self.fail("`%s`: make exited with status %d" % (cmd, rc))
        print("make-run: ok - %s ends make run with status 0 (%s)" % (cmd, what))
        print("---- console transcript ----")
        print(self.text())
        print("---- end ----")

# 1. The first run makes the disk; a file of one's own; halt.
r = Run()
r.shell_up()
print("make-run: ok - first make run reaches the shell")
banner = re.search(r"^run: .*poweroff.*Ctrl-A x.*$", r.text(), re.M)
if not banner:
    r.fail("no banner saying how to stop (poweroff, Ctrl-A x)")
print("make-run: ok - the banner says how to stop: " + banner.group(0))
# The swap disk, turned on at boot by /etc/rc's swapon -a from /etc/fstab.
r.check("cat /etc/fstab /proc/swaps", r"^/dev/vdb\s+partition\s+524284\s+\d+\s+-?\d+", "/dev/vdb in use as swap")
r.check("grep SwapTotal /proc/meminfo", r"^SwapTotal:\s+524284 kB$", "SwapTotal of the swap disk")
r.check("mkdir -p /home && echo kept-across-runs > /home/mine.txt && sync && cat /home/mine.txt",
        r"^kept-across-runs$", "the file written")
r.stop("halt", "halt")

# 2. A new program in user/ and a host file by ADD=.
with open(tree + "/user/newcomer.c", "w") as f:
    f.write('#include <stdio.h>\nint main(void)\n{\n\tputs("newcomer: built and on the disk");\n'
            '\treturn 0;\n}\n')
with open(tree + "/build/note.txt", "w") as f:
    f.write("a note from the host\n")
r = Run("ADD=" + tree + "/build/note.txt:/home/")
r.shell_up()
r.check("newcomer", r"^newcomer: built and on the disk$", "the new program's line")
r.check("cat /home/mine.txt", r"^kept-across-runs$", "the file of the first run")
r.check("cat /home/note.txt", r"^a note from the host$", "the file given with ADD=")
start = len(r.text())
r.send("reboot\n")
r.wait_for(r"ferry: restarting", start, 60, "the kernel restarting")
r.wait_for(r"Ferry kernel booting", start, 120, "a second boot")
print("make-run: ok - reboot restarts the machine")
r.shell_up(start)
r.check("cat /home/mine.txt", r"^kept-across-runs$", "the file after the reboot")
r.check("cat /proc/swaps", r"^/dev/vdb\s+partition\s+524284\s", "swap on again after the reboot")
r.stop("poweroff", "poweroff")

# 3. Ctrl-A x after a sync: the journal is replayed before the next boot, the file is there.
r = Run()
r.shell_up()
r.check("echo cut1 >/home/cut.txt && sync && cat /home/cut.txt", r"^cut1$", "the file written")
r.send("echo late >/home/late.txt\n")
time.sleep(0.5)
r.send("\x01x")
try:
    r.p.wait(timeout=60)
except subprocess.TimeoutExpired:
    r.fail("Ctrl-A x did not end QEMU within 60 s")
print("make-run: ok - Ctrl-A x ends QEMU")
r = Run()
r.wait_for(r"replays its journal", 0, 120, "tools/run-disk.sh replaying the journal")
print("make-run: ok - the next make run replays the journal first")
r.shell_up()
r.check("cat /home/cut.txt", r"^cut1$", "the file synced before the cut")
r.stop("poweroff", "poweroff")

# 4. The disk is sound; make reset-disk brings back the factory state.
out = subprocess.run([tool("e2fsck"), "-fn", disk], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
if out.returncode != 0:
    print("make-run: FAIL: e2fsck -fn after the runs:\n" + out.stdout.decode())
    sys.exit(1)
print("make-run: ok - e2fsck -fn after the runs")
out = subprocess.run(["make", "--no-print-directory", "-C", tree, "reset-disk", "RUN_DISK=" + disk],
                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
ls = subprocess.run([tool("debugfs"), "-R", "ls /home", disk], stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT).stdout.decode()
if out.returncode != 0 or "mine.txt" in ls:
    print("make-run: FAIL: make reset-disk (status %d):\n%s\n%s" % (out.returncode, out.stdout.decode(), ls))
    sys.exit(1)
print("make-run: ok - make reset-disk gives a fresh disk")
print("make-run: all passed")
EOF
