#!/bin/bash
# tests/debian.sh's workload: Debian's own programs at work on Ferry, run
# by Debian's bash from the Debian root (build/debian.img). Prints
# "debian-ok NAME" for each check that holds and "debian-FAIL NAME: why"
# for one that does not; tests/debian.sh wants every ok line.
#   workload.sh HEADERS HEADERS_MD5 GREP_COUNT PACKAGES NET
# are what the same commands give on the image's tree on the host:
# the number of *.h files under /usr, the md5 of /usr/include/linux's
# headers concatenated in name order, the number of lines in /usr/include
# that grep -r finds, and the number of installed packages; NET is "net"
# when the host reaches the Debian mirror, and then apt-get update and
# apt-get install run too (over QEMU's user network).
export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
ok() { echo "debian-ok $1"; }
bad() { echo "debian-FAIL $1: $2"; }
check() { # name, got, wanted
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "got '$2', want '$3'"; fi
}
step() { echo "debian-step $1 at $(date +%s)"; }
work=$(mktemp -d /tmp/debian.XXXXXX) || { bad mktemp "no directory in /tmp"; exit 1; }
cd "$work" || exit 1

step coreutils
check "find /usr -name '*.h' | wc -l" "$(find /usr -name '*.h' | wc -l)" "$1"
check "find -print0 | sort -z | xargs -0 cat | md5sum" \
	"$(find /usr/include/linux -name '*.h' -print0 | sort -z | xargs -0 cat | md5sum | cut -d' ' -f1)" "$2"
check "ls, stat, du, head, cut, tr" \
	"$(ls -ld /usr/bin | cut -c1); $(stat -c %F /usr/bin/bash); $(du -s /usr/share/doc >/dev/null && echo du); $(printf 'a\nb\nc\n' | head -2 | tr a-z A-Z | paste -sd,)" \
	"d; regular file; du; A,B"

step tar
mkdir src && cp -a /usr/include/linux /usr/share/perl/5.36.0 src/ &&
	tar -czf tree.tgz src && gzip -t tree.tgz && mkdir out && tar -xzf tree.tgz -C out
check "tar -czf, gzip -t, tar -xzf, diff -r" "$(diff -r src out/src && echo same)" same
check "gzip -9 | gunzip round trip" "$(gzip -9 <tree.tgz | gunzip | cmp - tree.tgz && echo same)" same
# tar -J: files read for the first time since boot while xz runs on the
# other CPU (a read of a regular file used to come back short when a page
# was still on its way from the disk, and tar took that for a file that
# shrank, padding the archive with zeros).
check "tar -cJf of files not read yet, then diff -r" \
	"$(tar -cJf etc.txz /etc /usr/share/perl5 2>&1 | grep -v 'Removing leading'; mkdir x && tar -xJf etc.txz -C x && diff -r --no-dereference /etc x/etc &&
		diff -r /usr/share/perl5 x/usr/share/perl5 && echo same)" same
check "xz | unxz round trip" "$(head -c 300000 tree.tgz >part && xz -T1 <part | unxz | cmp - part && echo same)" same

step sort
awk 'BEGIN { for (i = 0; i < 300000; i++) print (i * 7919) % 60000 }' >big
check "sort -u of 300000 lines" "$(sort -u big | wc -l)" 60000
check "sort -n -u | md5sum" "$(sort -n -u big | md5sum)" "$(seq 0 59999 | md5sum)"

step grep
check "grep -r over /usr/include" "$(grep -r -h 'define[[:space:]]*E[A-Z]*[[:space:]]' /usr/include/asm-generic | wc -l)" "$3"
mkdir -p g/a/b && printf 'alpha\nbeta\n' >g/a/one && printf 'beta\ngamma\n' >g/a/b/two
check "grep -rl" "$(grep -rl beta g | sort | paste -sd,)" "g/a/b/two,g/a/one"
check "grep from a pipe" "$(cat g/a/one g/a/b/two | grep -c beta)" 2
sed -i 's/beta/BETA/; 1i first' g/a/one g/a/b/two
check "sed -i" "$(cat g/a/one g/a/b/two | paste -sd,)" "first,alpha,BETA,first,BETA,gamma"

step bash
cat >s.sh <<'SCRIPT'
trap 'echo got-usr1' USR1
trap 'echo exit-trap' EXIT
x=$( (echo a; echo b; echo c) | tr a-z A-Z | sort -r | paste -sd, )
echo "pipeline=$x"
y=$(cd /usr && (cd bin && pwd); pwd)
echo "subshells=$(echo $y)"
pids=()
for i in 1 2 3; do (sleep 0.$i; exit $i) & pids+=($!); done
s=0
for p in "${pids[@]}"; do wait "$p"; s=$((s + $?)); done
echo "wait=$s"
kill -USR1 $$
sleep 0.1 & wait
{ echo one; echo two >&2; } 2>&1 | wc -l | sed 's/^/redirect=/'
echo "arith=$(( (3 + 4) * 5 )) pipestatus=$(false | true; echo ${PIPESTATUS[0]}${PIPESTATUS[1]})"
SCRIPT
check "bash pipelines, subshells, trap, wait" "$(bash s.sh | paste -sd' ')" \
	"pipeline=C,B,A subshells=/usr/bin /usr wait=6 got-usr1 redirect=2 arith=35 pipestatus=10 exit-trap"

step python3
cat >p.py <<'SCRIPT'
import json, multiprocessing, os, subprocess, tempfile, threading

def square(x):
    return x * x

if __name__ == "__main__":
    data = json.loads(json.dumps({"a": [1, 2, 3], "b": {"c": "d"}}))
    echo = subprocess.run(["sh", "-c", "echo $((6 * 7))"], capture_output=True, text=True, check=True).stdout.strip()
    got, lock = [], threading.Lock()
    def work(i):
        with lock:
            got.append(i * i)
    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads: t.start()
    for t in threads: t.join()
    with multiprocessing.Pool(2) as pool:
        squares = pool.map(square, range(20))
    q = multiprocessing.Queue()
    proc = multiprocessing.Process(target=q.put, args=(os.getpid(),))
    proc.start(); from_child = q.get(timeout=120); proc.join()
    with tempfile.TemporaryDirectory() as d:
        with tempfile.NamedTemporaryFile("w", dir=d, delete=False) as f:
            f.write("tempfile")
        text = open(f.name).read()
    print("python", data["a"], data["b"]["c"], echo, sorted(got) == [i * i for i in range(8)],
          sum(squares), from_child == os.getpid(), proc.exitcode, text)
SCRIPT
check "python3 json subprocess threading multiprocessing tempfile" "$(python3 p.py 2>&1 | tail -5)" \
	"python [1, 2, 3] d 42 True 2470 True 0 tempfile"

step perl
printf 'a 1 b 2\nc 30\nno numbers\n' >n.txt
check "perl one-liner" "$(perl -lne '$s += $_ for /(\d+)/g; END { print "sum=$s lines=$." }' n.txt)" "sum=33 lines=3"

step dpkg
check "dpkg -l" "$(dpkg -l | grep -c '^ii')" "$4"
check "dpkg -s bash" "$(dpkg -s bash | grep '^Status')" "Status: install ok installed"
check "apt-get --version" "$(apt-get --version | head -1 | cut -d' ' -f1)" apt

if [ "$5" = net ]; then
	step apt
	host=$(awk '$1 == "deb" { sub("^[a-z]*://", "", $2); sub("/.*", "", $2); print $2; exit }' /etc/apt/sources.list)
	check "getent hosts (glibc's resolver)" "$(getent hosts "$host" >/dev/null && echo found)" found
	check "apt-get update" "$(apt-get update -q >apt.log 2>&1 && echo updated || tail -3 apt.log)" updated
	check "apt-get install hello" "$(apt-get install -y -q hello >apt.log 2>&1 && hello || tail -3 apt.log)" "Hello, world!"
fi

step e2fsprogs
# Debian's mke2fs and e2fsck inside Ferry, on a loop device (util-linux's losetup).
check "mke2fs, mount through a loop device, e2fsck -fn" "$(
	truncate -s 16M fs.img && mke2fs -q -t ext2 -F fs.img && dev=$(losetup -f --show fs.img) &&
	mkdir -p mnt && mount "$dev" mnt && echo data >mnt/f && mkdir mnt/d && umount mnt &&
	e2fsck -fn "$dev" >fsck.log 2>&1 && losetup -d "$dev" && echo clean || { tail -5 fsck.log; losetup -D; })" clean
check "e2fsck -fy repairs a bitmap cleared behind its back" "$(
	debugfs -w -R 'freeb 100 1' fs.img >/dev/null 2>&1; e2fsck -fy fs.img >/dev/null 2>&1; r=$?
	e2fsck -fn fs.img >/dev/null 2>&1 && echo "fixed $r")" "fixed 1"

step gcc
printf '#include <stdio.h>\nint main(void) { printf("hello from gcc %%d\\n", 6 * 7); return 0; }\n' >hello.c
check "gcc hello.c && ./a.out" "$(gcc -O1 hello.c 2>&1 && ./a.out)" "hello from gcc 42"

step done
cd / && rm -rf "$work"
sync
echo debian-workload-end
