#!/bin/bash
# make run's disk: bring the build's files up to date on it, keep the rest.
#
#   tools/run-disk.sh [--reset] [--add HOST[:GUEST]]... DISK
#
# The build's files are everything tools/mkinitrd.sh stages for the image
# (build/initrd.root: /bin with Ferry's programs and busybox's links,
# /tests, /etc/hostname, hosts and resolv.conf, and the directories /dev,
# /proc, /sys and /tmp). On each run they are written over the disk's copies
# with debugfs, so a program added in user/ or a rebuilt busybox is there
# at the next boot; a build file that the build no longer makes (one
# listed in DISK.build-files by the last update but not staged now) is
# removed. Everything else on the disk (the user's own files, and files
# given with --add on earlier runs) is left as it is. A build file the
# user changed on the disk is overwritten, except the accounts: /etc/passwd,
# group and shadow and /home/user are only put there when missing, so users
# and passwords made on the disk stay. Build files are root's, but
# /home/user is user's (1000:1000).
#
# DISK missing, or --reset: DISK becomes a copy of build/disk.img, the
# factory state, before anything is added.
#
# The machine's swap: DISK.swap, a 512 MiB swap area (the host's mkswap on a
# sparse file: it takes host disk space only as Ferry swaps), made when
# missing and anew on --reset; tools/run-qemu.sh attaches it as the second
# disk, /dev/vdb. The disk gets, when missing (like the accounts, so a
# user's edits stay), an /etc/fstab naming it and an /etc/rc that init runs
# at boot with `swapon -a`, as a Linux system's boot scripts do.
#
# --add copies HOST (a file or a directory) to GUEST on the disk; GUEST
# defaults to /bin/NAME and a GUEST ending in / gets NAME appended, as
# in tools/mkinitrd.sh. Added files stay on the disk afterwards, as the
# user's own. Names may not hold blanks or quotes (debugfs's commands).
#
# The disk must not be in use: tools/run-qemu.sh holds a lock (flock) on
# it while QEMU runs, and this script refuses a locked disk. A disk found
# unclean (QEMU stopped by Ctrl-A x while writing) is first repaired with
# e2fsck -fy (which replays the journal: the disk is ext3, and an older
# plain ext2 one is given a journal with tune2fs -j). Ends with e2fsck -fn
# on DISK and fails if that finds anything.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
top=$(dirname "$here")
reset=0
adds=()
while [ $# -gt 0 ]; do
	case "$1" in
	--reset) reset=1; shift ;;
	--add) adds+=("${2:?--add needs HOST[:GUEST]}"); shift 2 ;;
	-*) echo "usage: $0 [--reset] [--add HOST[:GUEST]]... DISK" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || { echo "usage: $0 [--reset] [--add HOST[:GUEST]]... DISK" >&2; exit 2; }
disk=$1
stage=$top/build/initrd.root
factory=$top/build/disk.img
tool() { command -v "$1" || echo "/sbin/$1"; }
DEBUGFS=$(tool debugfs) E2FSCK=$(tool e2fsck) DUMPE2FS=$(tool dumpe2fs) TUNE2FS=$(tool tune2fs)
MKSWAP=$(tool mkswap)
die() { echo "run-disk: $*" >&2; exit 1; }
[ -d "$stage" ] && [ -f "$factory" ] || die "no $stage or $factory: run make disk"
manifest=$disk.build-files

if [ -e "$disk" ]; then
	exec 9<"$disk"
	flock -n 9 || die "$disk is in use (a make run is going on?)"
fi
# A disk QEMU left in the middle of writing (Ctrl-A x) is repaired first,
# answering yes to every question: a scratch disk had better boot.
# A journal that still holds transactions is replayed before debugfs
# writes anything (e2fsck -n skips the journal and may find nothing wrong,
# but a later replay would write its old copies over debugfs's changes).
features() { "$DUMPE2FS" -h "$disk" 2>/dev/null | grep '^Filesystem features:'; }
if [ $reset -eq 0 ] && [ -e "$disk" ] && features | grep -qw needs_recovery; then
	echo "run-disk: $disk was not left clean (QEMU stopped with Ctrl-A x?): e2fsck -fy replays its journal" >&2
	rc=0
	"$E2FSCK" -fy "$disk" >&2 || rc=$?
	[ $rc -le 1 ] || die "e2fsck could not repair $disk: run e2fsck -f $disk yourself, or make reset-disk (your files on it are lost)"
fi
if [ $reset -eq 0 ] && [ -e "$disk" ] && ! "$E2FSCK" -fn "$disk" >/dev/null 2>&1; then
	echo "run-disk: $disk was not left clean (QEMU stopped with Ctrl-A x?): e2fsck -fy repairs it (what it cannot place goes to /lost+found)" >&2
	rc=0
	"$E2FSCK" -fy "$disk" >&2 || rc=$?
	[ $rc -le 1 ] || die "e2fsck could not repair $disk: run e2fsck -f $disk yourself, or make reset-disk (your files on it are lost)"
fi
# A disk made before build/disk.img had a journal (plain ext2) gets one,
# so a power cut (Ctrl-A x) leaves it consistent; Ferry then uses it.
if [ $reset -eq 0 ] && [ -e "$disk" ] && ! features | grep -qw has_journal; then
	echo "run-disk: $disk has no journal: adding one (tune2fs -j)" >&2
	"$TUNE2FS" -j "$disk" >&2 || echo "run-disk: tune2fs -j failed: $disk stays plain ext2" >&2
fi
if [ $reset -eq 1 ] || [ ! -e "$disk" ]; then
	cp "$factory" "$disk.tmp"
	mv "$disk.tmp" "$disk"
	(cd "$stage" && find . -mindepth 1 -printf '/%P\n' | LC_ALL=C sort) >"$manifest"
	echo "  DISK    $disk (factory state: a copy of $factory)"
	fresh=1
else
	fresh=0
fi

safe() { # a guest or host name debugfs can take
	case "$1" in *[[:space:]\"\']*) die "'$1': names with blanks or quotes cannot be copied" ;; esac
}

# What is on the disk now: "TYPE NAME" per entry of each directory asked
# about (d, f, l or o for other), read once per directory.
declare -A listed=() have=()
list_dir() {
	local dir=$1 mode name
	[ -n "${listed[$dir]:-}" ] && return
	listed[$dir]=1
	# ls -p: /inode/mode/uid/gid/name/size/
	while IFS=/ read -r _ _ mode _ _ name _; do
		[ -n "$name" ] && [ "$name" != . ] && [ "$name" != .. ] || continue
		case "$mode" in
		04*) have[${dir%/}/$name]=d ;;
		010*) have[${dir%/}/$name]=f ;;
		012*) have[${dir%/}/$name]=l ;;
		*) have[${dir%/}/$name]=o ;;
		esac
	done < <("$DEBUGFS" -R "ls -p $dir" "$disk" 2>/dev/null)
}
# K becomes the disk's entry at an absolute path: d, f, l, o, or "" (none).
# Not a function's output: the lists it reads must outlive a subshell.
kind() {
	local parent=${1%/*}
	parent=${parent:-/}
	[ -n "${listed[$parent]:-}" ] || list_dir "$parent"
	K=${have[$1]:-}
}

script=$(mktemp)
trap 'rm -f "$script"' EXIT
cmds() { printf '%s\n' "$@" >>"$script"; }
# The owner of build file g (a guest path): root's, but user's home.
owner_of() {
	case "$1" in /home/user | /home/user/*) echo 1000 ;; *) echo 0 ;; esac
}
own() { local o; o=$(owner_of "$2"); cmds "sif $1 uid $o" "sif $1 gid $o"; }
# Build files the disk keeps once it has them: its accounts.
seed() {
	case "$1" in /etc/passwd | /etc/group | /etc/shadow | /home/user) return 0 ;; *) return 1 ;; esac
}
# Put one host entry (not a directory's contents) at guest path g: its
# find(1) type (f, l, d), octal permissions, name and symlink target.
put() {
	local type=$1 perm=$((0$2)) h=$3 target=$4 g=$5 parent=${5%/*} base=${5##*/}
	safe "$g"
	kind "$g"
	cmds "cd ${parent:-/}"
	if [ "$type" = d ]; then
		if [ "$K" != d ]; then
			[ -n "$K" ] && cmds "rm $base"
			cmds "mkdir $base"
			have[$g]=d listed[$g]=1
		fi
		cmds "sif $base mode $(printf '0%o' $((0040000 | perm)))"
		own "$base" "$g"
		return
	fi
	if [ "$K" = d ]; then
		echo "run-disk: $g is a directory on the disk: left as it is, $h not copied" >&2
		return
	fi
	[ -n "$K" ] && cmds "rm $base"
	case "$type" in
	l) safe "$target"; cmds "symlink $base $target" ;;
	f) safe "$h"; cmds "write $h $base" "sif $base mode $(printf '0%o' $((0100000 | perm)))" ;;
	*) echo "run-disk: $h is neither a file, a directory nor a symlink: not copied" >&2; return ;;
	esac
	own "$base" "$g"
	have[$g]=$type
}
# Every entry under a host directory (or the one entry a file is): "TYPE PERM PATH<tab>TARGET"
# with PATH relative ("" for the top), directories before what they hold.
entries() {
	(cd "$1" && find . -printf '%y %m %P\t%l\n' | LC_ALL=C sort -k3)
}

if [ $fresh -eq 0 ]; then
	new=$(cd "$stage" && find . -mindepth 1 -printf '/%P\n' | LC_ALL=C sort)
	# Build files of the last update that the build no longer makes, deepest first.
	if [ -f "$manifest" ]; then
		while read -r g; do
			kind "$g"
			[ -z "$K" ] && continue
			p=${g%/*}
			cmds "cd ${p:-/}"
			if [ "$K" = d ]; then cmds "rmdir ${g##*/}"; else cmds "rm ${g##*/}"; fi
		done < <(LC_ALL=C comm -23 "$manifest" <(echo "$new") | LC_ALL=C sort -r)
	fi
	# Directories come before what they hold (sorted), so each parent exists.
	while IFS=$'\t' read -r head target; do
		read -r type perm rel <<<"$head"
		[ -n "$rel" ] || continue
		if seed "/$rel"; then
			kind "/$rel"
			[ -n "$K" ] && continue
		fi
		put "$type" "$perm" "$stage/$rel" "$target" "/$rel"
	done < <(entries "$stage")
	echo "$new" >"$manifest.tmp"
fi

# The boot configuration, when the disk has none yet.
for f in fstab rc; do
	kind "/etc/$f"
	[ -z "$K" ] && put f "$(find "$here/run-etc/$f" -maxdepth 0 -printf %m)" "$here/run-etc/$f" "" "/etc/$f"
done
# The swap disk (tools/run-qemu.sh attaches DISK.swap as /dev/vdb).
swap=$disk.swap
if [ $reset -eq 1 ] || [ ! -e "$swap" ]; then
	rm -f "$swap.tmp"
	truncate -s 512M "$swap.tmp"
	chmod 600 "$swap.tmp"
	# (It warns of the holes of a file meant as swap file; this one is a whole disk in QEMU.)
	"$MKSWAP" "$swap.tmp" >/dev/null 2>&1 || die "mkswap $swap failed"
	mv "$swap.tmp" "$swap"
	echo "  SWAP    $swap (512 MiB, /dev/vdb in Ferry: swapon -a at boot from /etc/fstab)"
fi

for a in "${adds[@]}"; do
	h=${a%%:*}
	g=/bin/
	[ "$h" != "$a" ] && g=${a#*:}
	[ -e "$h" ] || die "--add $a: $h does not exist"
	case "$g" in /*) ;; *) g=/$g ;; esac
	case "$g" in */) g=$g$(basename "$h") ;; esac
	g=${g%/}
	# Missing parents first, then HOST (and, for a directory, all it holds).
	p="" rest=${g%/*}
	for part in ${rest//\// }; do
		p=$p/$part
		kind "$p"
		[ "$K" = d ] && continue
		safe "$p"
		[ -n "$K" ] && die "--add $a: $p is not a directory on the disk"
		cmds "cd ${p%/*}/" "mkdir ${p##*/}"
		own "${p##*/}" "$p"
		have[$p]=d listed[$p]=1
	done
	if [ -d "$h" ] && [ ! -L "$h" ]; then
		while IFS=$'\t' read -r head target; do
			read -r type perm rel <<<"$head"
			put "$type" "$perm" "$h${rel:+/$rel}" "$target" "$g${rel:+/$rel}"
		done < <(entries "$h")
	else
		put "$(find "$h" -maxdepth 0 -printf %y)" "$(find "$h" -maxdepth 0 -printf %m)" "$h" \
			"$(readlink "$h" || true)" "$g"
	fi
	echo "  ADD     $h -> $g"
done

if [ -s "$script" ]; then
	# debugfs reports a failed command but goes on: any line that is not
	# one of its echoes or "Allocated inode" is a failure.
	out=$("$DEBUGFS" -w -f "$script" "$disk" 2>&1) || die "debugfs failed: $out"
	bad=$(grep -v '^debugfs [0-9]\|^debugfs: \|^Allocated inode: \|^$' <<<"$out" || true)
	[ -z "$bad" ] || die "debugfs: $bad"
fi
[ -f "$manifest.tmp" ] && mv "$manifest.tmp" "$manifest"
if ! fsck=$("$E2FSCK" -fn "$disk" 2>&1); then
	echo "$fsck" >&2
	die "e2fsck -fn finds $disk damaged after the update: make reset-disk makes a new one (your files on it are lost)"
fi
[ $fresh -eq 1 ] || echo "  DISK    $disk (the build's files updated, yours kept)"
