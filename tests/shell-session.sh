#!/bin/bash
# A scripted shell session on Ferry's serial console: boot the built
# kernel and initrd with no command (init runs busybox sh), type commands
# the way a person would and check what comes back:
#   echo hi | cat                                  -> hi
#   ls -l /                                        -> lists bin
#   mkdir /tmp/x && cd /tmp/x && echo a > f && cat f -> a
#   ps                                             -> runs (PID header)
#   su user, passwd, su with a password, login,
#   adduser, deluser                               -> ids and refusals as on Linux
#   sleep 100, then ^C                             -> prompt back within seconds
#   sleep 100, then ^Z; jobs; fg; ^C               -> stopped, listed, resumed, ended
#   cat > /dev/null &                              -> stopped by SIGTTIN
#   exit                                           -> init reports status 0, powers off
# and, through QEMU's QMP socket, the other console: keys typed on the PS/2
# keyboard (a command, ^C on sleep) reach the same shell, and the VGA text
# screen (read from guest memory) shows what `clear`, colours and vi drew.
# SeaBIOS rather than qboot boots it, so that the VGA is in text mode.
# Every wait is bounded; a mismatch or timeout fails with a message and
# the whole console transcript. Needs `make kernel initrd`.
set -u
here=$(dirname "$(readlink -f "$0")")
top=$(dirname "$here")
for f in "$top/build/ferry.elf" "$top/build/initrd.cpio"; do
	[ -f "$f" ] || { echo "shell-session: $f missing (make kernel initrd)"; exit 1; }
done
exec python3 - "$top" <<'EOF'
import json, os, re, socket, subprocess, sys, tempfile, threading, time

top = sys.argv[1]
BOOT_TIMEOUT = 120   # QEMU's own limit (qemu-boot.sh --timeout)
work = tempfile.mkdtemp(prefix="ferry-shell-")
qmp_path = work + "/qmp"
qemu = subprocess.Popen(
    [top + "/tools/qemu-boot.sh", "--stdin", "--bios", "seabios", "--smp", "2", "--timeout", str(BOOT_TIMEOUT),
     "--initrd", top + "/build/initrd.cpio",
     "--qemu", "-qmp", "--qemu", "unix:%s,server=on,wait=off" % qmp_path,
     "--", "loglevel=1"],
    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    start_new_session=True)

raw = bytearray()          # everything the console printed
lock = threading.Lock()
def reader():
    while True:
        b = qemu.stdout.read1(4096)
        if not b:
            break
        with lock:
            raw.extend(b)
threading.Thread(target=reader, daemon=True).start()

# Escape sequences (CSI, OSC and two-byte ESC x) and carriage returns are
# dropped before matching: ash's line editor redraws lines and may ask for
# the cursor position (ESC [6n); unanswered, it simply goes on.
ESC = re.compile(rb"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07]*\x07|[@-Z\\-_])")
def text():
    with lock:
        b = bytes(raw)
    return ESC.sub(b"", b).replace(b"\r", b"").decode("latin-1")

def transcript():
    return text()

def cleanup():
    for f in os.listdir(work):
        os.unlink(os.path.join(work, f))
    os.rmdir(work)

def fail(msg):
    print("shell-session: FAIL: " + msg)
    print("---- console transcript ----")
    print(transcript())
    print("---- end ----")
    try:
        os.killpg(qemu.pid, 9)
    except OSError:
        pass
    cleanup()
    sys.exit(1)

def send(s):
    try:
        qemu.stdin.write(s.encode())
        qemu.stdin.flush()
    except OSError as e:
        fail("cannot write to the console (%s)" % e)

def wait_for(pattern, start, timeout, what):
    """Wait until pattern matches the console text after offset start; return the match."""
    deadline = time.monotonic() + timeout
    rx = re.compile(pattern, re.M)
    while True:
        m = rx.search(text(), start)
        if m:
            return m
        if qemu.poll() is not None:
            fail("QEMU exited (status %d) while waiting for %s" % (qemu.returncode, what))
        if time.monotonic() > deadline:
            fail("no %s within %d s" % (what, timeout))
        time.sleep(0.1)

n = 0
def run(cmd, timeout=30):
    """Type cmd, then an echo of a fresh marker; return the text between them."""
    global n
    n += 1
    marker = "MARK%d" % n
    start = len(text())
    # The typed line shows M""ARKn, only the command's output shows MARKn.
    send("%s; echo M\"\"ARK%d\n" % (cmd, n))
    typed = wait_for(r"M\"\"ARK%d" % n, start, timeout, "echo of `%s`" % cmd)
    done = wait_for(r"^%s$" % marker, typed.end(), timeout, "end of `%s`" % cmd)
    return text()[typed.end():done.start()]

# The shell is up once it answers; lines typed before it reads are kept
# by the tty and run later, which only repeats the harmless echo.
deadline = time.monotonic() + 90
start = 0
while not re.search(r"^READY$", text(), re.M):
    if qemu.poll() is not None:
        fail("QEMU exited (status %d) before the shell answered" % qemu.returncode)
    if time.monotonic() > deadline:
        fail("the shell did not answer within 90 s")
    send("echo R\"\"EADY\n")
    wait_until = time.monotonic() + 5
    while time.monotonic() < wait_until and not re.search(r"^READY$", text(), re.M):
        time.sleep(0.1)
print("shell-session: shell is up")
run("PS1='F''Y> '")

# QMP: QEMU's machine protocol, for the keyboard and the screen.
class QMP:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(10)
        self.s.connect(path)
        self.f = self.s.makefile("rb")
        self.f.readline()                       # the greeting
        self.cmd("qmp_capabilities")
    def cmd(self, name, **args):
        self.s.sendall(json.dumps({"execute": name, "arguments": args}).encode() + b"\n")
        while True:                             # skip events until the answer
            line = self.f.readline()
            if not line:
                fail("QMP connection closed during %s" % name)
            r = json.loads(line)
            if "return" in r:
                return r["return"]
            if "error" in r:
                fail("QMP %s: %s" % (name, r["error"]))
try:
    qmp = QMP(qmp_path)
except OSError as e:
    fail("cannot reach QEMU's QMP socket (%s)" % e)

QCODE = {" ": "spc", "\n": "ret", "-": "minus", "/": "slash", ".": "dot", ";": "semicolon",
         "'": "apostrophe", "=": "equal", ",": "comma"}
SHIFTED = {'"': "apostrophe", "|": "backslash", ">": "dot", "<": "comma", ":": "semicolon",
           "_": "minus"}
def keys(*names):
    qmp.cmd("send-key", keys=[{"type": "qcode", "data": k} for k in names])
    time.sleep(0.05)
def type_keys(s):
    for c in s:
        if c.isalnum() and c.islower() or c.isdigit():
            keys(c)
        elif c.isalpha():
            keys("shift", c.lower())
        elif c in QCODE:
            keys(QCODE[c])
        elif c in SHIFTED:
            keys("shift", SHIFTED[c])
        else:
            fail("no key for %r" % c)

def screen():
    """The VGA text screen as 25 rows of (text, attributes)."""
    path = work + "/vga"
    qmp.cmd("pmemsave", val=0xb8000, size=80 * 25 * 2, filename=path)
    for _ in range(50):                         # written by QEMU; wait until complete
        if os.path.exists(path) and os.path.getsize(path) == 4000:
            break
        time.sleep(0.1)
    b = open(path, "rb").read()
    os.unlink(path)
    return [("".join(chr(b[2 * (r * 80 + c)]) for c in range(80)),
             bytes(b[2 * (r * 80 + c) + 1] for c in range(80))) for r in range(25)]
def screen_text():
    return "\n".join(t.rstrip() for t, _ in screen())

def check(cmd, pattern, what, timeout=30):
    out = run(cmd, timeout)
    if not re.search(pattern, out, re.M):
        fail("`%s`: expected %s, got:\n%s" % (cmd, what, out))
    print("shell-session: ok - %s" % cmd)

check("echo hi | cat", r"^hi$", "a line `hi`")
check("ls -l /", r" bin( ->.*)?$", "an entry for bin")
check("mkdir /tmp/x && cd /tmp/x && echo a > f && cat f", r"^a$", "a line `a`")
check("ps", r"PID", "a PID header")

# Users: the console's shell is root's; su gives user's shell and exit
# comes back; once root has a password, user's su asks for it; login of
# a user without a password asks nothing; adduser and deluser.
check("id -un", r"^root$", "root")
check("su user -c 'id -un; echo x > /etc/x'", r"^user\n.*Permission denied", "user, refused in /etc")
send("su user\n")
check("id -u; echo $HOME; cat /etc/shadow", r"^1000\n/home/user\n.*Permission denied",
      "the su'd shell: uid 1000, its home, no /etc/shadow")
send("exit\n")
check("id -un", r"^root$", "root again after the su'd shell's exit")
check("printf 'Ferry-pw1\\nFerry-pw1\\n' | passwd root", r"password for root changed",
      "passwd sets root's password")
send("su user\n")
check("id -un", r"^user$", "user again")
start = len(text())
send("su -c 'id -un'\n")
wait_for(r"Password: ", start, 15, "su's password prompt")
send("wrong\n")
wait_for(r"incorrect password", start, 15, "su refusing a wrong password")
print("shell-session: ok - su root with a wrong password: refused")
start = len(text())
send("su\n")
wait_for(r"Password: ", start, 15, "su's password prompt")
send("Ferry-pw1\n")
check("id -un", r"^root$", "root through su with the password")
send("exit\n")
check("id -un", r"^user$", "back to user")
send("exit\n")
check("id -un", r"^root$", "back to the console's root shell")
# login flushes what was typed before its shell starts: wait for the prompt.
start = len(text())
send("login user\n")
wait_for(r"^~ \$ ", start, 30, "the prompt of user's login shell")
check("id -un; pwd", r"^user\n/home/user$", "login user: no password asked, in its home")
send("exit\n")
check("id -un", r"^root$", "root after logout")
check("adduser -D ann && su ann -c 'id -un; ls -ld ~' && deluser --remove-home ann && ls /home",
      r"^ann\ndrwx.* ann +ann .*/home/ann\nuser$", "adduser, su, deluser")

def interrupt(press, what):
    """Press a signal key on a running `sleep 100`; the prompt must come back.

    The key is pressed again (at most 3 times, 3 s apart) in case the
    first came before sleep had started and taken the foreground; the
    prompt must be back within 10 s of the first press."""
    time.sleep(1.5)        # let sleep start and take the foreground
    start = len(text())
    t0 = time.monotonic()
    for tries in range(1, 4):
        press()
        if tries < 3:
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline and "FY> " not in text()[start:]:
                time.sleep(0.1)
            if "FY> " in text()[start:]:
                break
    wait_for(r"FY> ", start, max(1, 10 - (time.monotonic() - t0)), "prompt after %s" % what)
    print("shell-session: ok - %s (prompt after %.1f s, %d press%s)"
          % (what, time.monotonic() - t0, tries, "" if tries == 1 else "es"))

# ^C: the foreground job (sleep, in its own group under ash's job
# control) gets SIGINT and the prompt comes back.
start = len(text())
send("sleep 100\n")
wait_for(r"sleep 100\n", start, 15, "echo of `sleep 100`")
interrupt(lambda: send("\x03"), "^C on sleep 100")
check("echo after", r"^after$", "the shell to run commands after ^C", timeout=15)

# ^\ sends SIGQUIT, whose default action ends sleep too (ash reports it).
start = len(text())
send("sleep 100\n")
wait_for(r"sleep 100\n", start, 15, "echo of `sleep 100`")
interrupt(lambda: send("\x1c"), "^\\ on sleep 100")

# ^Z: the foreground job stops (SIGTSTP), ash reports it and lists it,
# `fg` brings it back to the foreground, where ^C ends it; a background
# job reading the terminal is stopped by SIGTTIN.
start = len(text())
send("sleep 100\n")
wait_for(r"sleep 100\n", start, 15, "echo of `sleep 100`")
interrupt(lambda: send("\x1a"), "^Z on sleep 100")
wait_for(r"Stopped", start, 10, "ash's report of the stopped job")
check("jobs", r"Stopped.*sleep 100", "the stopped job listed")
start = len(text())
send("fg\n")
wait_for(r"fg\n(.*\n)?sleep 100\n", start, 15, "`fg` resuming sleep 100")
interrupt(lambda: send("\x03"), "^C on the job `fg` resumed")
check("jobs; echo no-jobs", r"^no-jobs$", "no job left")
check("cat > /dev/null & sleep 1; jobs", r"Stopped.*cat", "a background read stopped (SIGTTIN)")
check("kill -9 %1; sleep 0.5; jobs; echo gone", r"^gone$", "the stopped job killed")

# The keyboard: a command typed on it runs in the same shell, and ^C
# (ctrl held with c) interrupts a foreground sleep.
start = len(text())
type_keys('echo k""bd\n')
wait_for(r"^kbd$", start, 15, "output of `echo kbd` typed on the keyboard")
print("shell-session: ok - keyboard types into the shell")
start = len(text())
type_keys("sleep 100\n")
wait_for(r"sleep 100\n", start, 15, "echo of `sleep 100` typed on the keyboard")
interrupt(lambda: keys("ctrl", "c"), "^C on the keyboard")

# The VGA screen: clear, then colours; then vi draws its screen.
run("clear; echo V''GATOP; printf '\\033[31;44mRED\\033[0m\\n'")
rows = screen()
if rows[0][0].rstrip() != "VGATOP" or rows[1][0][:3] != "RED" or rows[1][1][0] != 0x14 \
        or rows[1][1][3] != 0x07:
    fail("VGA screen after clear and colours:\n" + screen_text())
print("shell-session: ok - clear and colours on the VGA screen")
start = len(text())
send("vi /tmp/x/f\n")
deadline = time.monotonic() + 20
while True:
    rows = screen()
    if rows[0][0].startswith("a ") and all(rows[r][0].startswith("~") for r in range(1, 24)) \
            and "/tmp/x/f" in rows[24][0]:
        break
    if time.monotonic() > deadline:
        fail("vi's screen on VGA:\n" + screen_text())
    time.sleep(0.5)
print("shell-session: ok - vi draws its screen on VGA")
send(":q\r")
wait_for(r"FY> ", start, 15, "prompt after quitting vi")
check("echo back", r"^back$", "the shell after vi")

start = len(text())
send("exit\n")
wait_for(r"^init: .* exited with status 0$", start, 30, "init's report of the shell's exit")
wait_for(r"powering off", start, 30, "power off")
try:
    rc = qemu.wait(timeout=30)
except subprocess.TimeoutExpired:
    fail("QEMU did not exit after power off")
if rc == 124:
    fail("QEMU timed out")
print("shell-session: ok - exit powers off (QEMU status %d)" % rc)
print("---- console transcript ----")
print(transcript())
cleanup()
print("shell-session: all passed")
EOF
