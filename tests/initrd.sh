#!/bin/bash
# The boot image and the static-PIE check: tools/mkinitrd.sh writes a newc
# cpio with the default layout plus --add'ed files at the right guest
# paths, unpacking it gives back the same bytes; tools/check-static.sh
# passes every user binary and refuses dynamic ones.
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
cd "$top"
make --no-print-directory user >/dev/null || exit 1
fails=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; fails=$((fails + 1)); }
t() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/data/sub"
echo one >"$tmp/data/sub/f"
echo note >"$tmp/note.txt"
img=$tmp/img.cpio
tools/mkinitrd.sh --no-build --out "$img" --add build/user/bin/hello:/extra/hi \
	--add "$tmp/note.txt" --add "$tmp/data:/srv/" --add "$tmp/note.txt:etc/hostname" 2>"$tmp/log"
t "mkinitrd succeeds" '[ $? -eq 0 ] && [ -s "$img" ]'
t "newc magic 070701" '[ "$(head -c 6 "$img")" = 070701 ]'
t "ends with the trailer" 'grep -aq "TRAILER!!!" "$img"'
list=$(cpio -it <"$img" 2>/dev/null)
for f in bin/init bin/ps bin/ferry-ps bin/hello bin/runtests bin/busybox bin/sh tests/startup tests/cow etc/passwd etc/group etc/shadow tmp dev proc; do
	t "image has $f" 'grep -qx "$f" <<<"$list"'
done
t "no name starts with ./" '! grep -q "^\./" <<<"$list"'
t "names are sorted" '[ "$list" = "$(LC_ALL=C sort <<<"$list")" ]'
t "--add HOST:GUEST puts a file at GUEST" 'grep -qx extra/hi <<<"$list"'
t "--add HOST defaults to /bin/NAME" 'grep -qx bin/note.txt <<<"$list"'
t "--add DIR:GUEST/ copies a directory under GUEST" 'grep -qx srv/data/sub/f <<<"$list"'

x=$tmp/x
mkdir "$x"
(cd "$x" && cpio -idm --quiet <"$img")
t "unpacked programs are byte for byte the built ones" 'cmp -s "$x/bin/init" build/user/bin/init && cmp -s "$x/extra/hi" build/user/bin/hello'
t "an added file replaces a default one" '[ "$(cat "$x/etc/hostname")" = note ]'
t "/bin/sh is a symlink to busybox" '[ "$(readlink "$x/bin/sh")" = busybox ]'
t "/tmp is mode 1777" '[ "$(stat -c %a "$x/tmp")" = 1777 ]'
t "busybox from the image runs" '[ "$("$x/bin/busybox" echo hello)" = hello ]'
t "owned by root" '[ -z "$(cpio -itv <"$img" 2>/dev/null | awk "\$3 != \"root\"")" ]'
t "/etc/shadow is root's only (0600)" '[ "$(stat -c %a "$x/etc/shadow")" = 600 ]'
t "/bin/busybox is set-user-ID root (su, passwd)" '[ "$(stat -c %a "$x/bin/busybox")" = 4755 ]'
t "accounts: root and user (1000)" 'grep -q "^root:x:0:0:" "$x/etc/passwd" && grep -q "^user:x:1000:1000:.*:/home/user:/bin/sh$" "$x/etc/passwd"'
# The second archive, after the first one's trailer (its header: a name of 11 bytes, no
# checksum; busybox itself holds the bare name): user's home, owned by user.
off=$(LC_ALL=C grep -obaF '0000000B00000000TRAILER!!!' "$img" | head -1 | cut -d: -f1)
rest=$tmp/rest.cpio
tail -c +$((off + 1)) "$img" >"$rest"
off=$(LC_ALL=C grep -obaF 070701 "$rest" | head -1 | cut -d: -f1)
tail -c +$((off + 1)) "$rest" >"$rest.2"
t "a second archive gives /home/user to user" \
	'[ "$(cpio -itvn <"$rest.2" 2>/dev/null | awk "{print \$1, \$3, \$4, \$NF}")" = "drwxr-xr-x 1000 1000 home/user" ]'

t "check-static passes every user binary" 'tools/check-static.sh build/user/bin/* $(find build/tests/os -maxdepth 1 -type f)'
t "the image carries musl's dynamic linker" '[ -f "$x/lib/ld-musl-x86_64.so.1" ]'
t "tests' dynamically linked helpers are dynamic" 'readelf -lW "$x/tests/data/dynhello" | grep -q INTERP'
printf 'int main(void){return 0;}\n' >"$tmp/d.c"
musl-gcc -static-pie -o "$tmp/dyn-pie" "$tmp/d.c" 2>/dev/null
t "check-static refuses what Debian's musl-gcc -static-pie makes (a dynamic PIE)" \
	'[ -s "$tmp/dyn-pie" ] && ! tools/check-static.sh "$tmp/dyn-pie" 2>/dev/null'
gcc -o "$tmp/glibc" "$tmp/d.c"
t "check-static refuses a glibc dynamic program" '[ -s "$tmp/glibc" ] && ! tools/check-static.sh "$tmp/glibc" 2>/dev/null'
t "check-static refuses a fixed-address (ET_EXEC) program" '! tools/check-static.sh /bin/busybox 2>/dev/null'
t "check-static refuses a non-ELF file" '! tools/check-static.sh "$tmp/d.c" 2>/dev/null'

echo "# initrd: $fails failed"
[ $fails -eq 0 ]
