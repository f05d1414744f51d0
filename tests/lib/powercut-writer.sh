#!/bin/sh
# The guest side of tests/powercut.sh, run by Ferry's init from the test
# image: writers that create, fsync, append to, rename and delete files
# until the host kills QEMU. A file is logged "FSYNCED PATH MD5" only once
# its fsync (dd conv=fsync) has returned, and is never changed again; the
# host checks each logged file after the power cut.
#   writer.sh SEED mixed   three writers, one of them killed (SIGKILL) early
#   writer.sh SEED bulk    one file fsync'ed, then megabytes of other writes
#   writer.sh SEED sync    files written, sync, "SYNCED" (the host kills then)
#   writer.sh SEED meta    three writers creating and removing hundreds of
#                          small files: many metadata blocks, so the log
#                          wraps and is checkpointed while QEMU is killed
seed=$1
mode=$2
cd / || exit 1

# A number from the seed, the writer and the step: sizes and choices vary per round.
pick() { echo $(( ($seed * 7919 + $1 * 104729 + $2 * 1299709) % $3 )); }

writer() {
	d=/w$1
	rm -rf "$d" && mkdir "$d" || exit 1
	k=0
	while :; do
		k=$((k + 1))
		kb=$(( $(pick $1 $k 64) + 1 ))
		case $(pick $1 $((k * 3)) 6) in
		0 | 1)
			dd if=/dev/urandom of="$d/s$k" bs=1024 count=$kb conv=fsync 2>/dev/null &&
				echo "FSYNCED $d/s$k $(md5sum <"$d/s$k" | cut -c1-32)"
			;;
		2)
			dd if=/dev/urandom of="$d/t$k" bs=1024 count=$kb 2>/dev/null
			mv "$d/t$k" "$d/r$k"
			;;
		3)
			echo "step $k of writer $1, $kb KiB" >>"$d/log"
			;;
		4)
			rm -f "$d/r$((k - 4))" "$d/r$((k - 5))"
			mkdir -p "$d/sub$((k % 5))" && echo "$k" >"$d/sub$((k % 5))/n$k"
			;;
		5)
			rm -rf "$d/sub$(((k + 2) % 5))"
			;;
		esac
	done
}

case "$mode" in
mixed)
	writer 1 &
	w1=$!
	writer 2 &
	writer 3 &
	echo "WRITERS-$((2 * 21))"
	usleep $(( ($(pick 9 9 20) + 5) * 100000 ))
	kill -9 $w1 && echo "KILLED writer 1"
	wait
	;;
bulk)
	rm -rf /bulk && mkdir /bulk || exit 1
	dd if=/dev/urandom of=/bulk/keep bs=1024 count=300 conv=fsync 2>/dev/null &&
		echo "FSYNCED /bulk/keep $(md5sum </bulk/keep | cut -c1-32)"
	echo "WRITERS-$((2 * 21))"
	# Much more dirty data than the periodic write-back takes in one pass.
	i=0
	while :; do
		i=$((i + 1))
		dd if=/dev/zero of=/bulk/other$((i % 8)) bs=65536 count=64 2>/dev/null
	done
	;;
meta)
	for w in 1 2 3; do
		(
			d=/m$w
			rm -rf "$d" && mkdir -p "$d/sums" || exit 1
			k=0
			while :; do
				k=$((k + 1))
				mkdir "$d/$k" || exit 1
				i=0
				while [ $i -lt $(( $(pick $w $k 200) + 100 )) ]; do
					echo "$k $i" >"$d/$k/f$i"
					i=$((i + 1))
				done
				dd if=/dev/urandom of="$d/sums/$k" bs=1024 count=$(( $(pick $k $w 8) + 1 )) conv=fsync 2>/dev/null &&
					echo "FSYNCED $d/sums/$k $(md5sum <"$d/sums/$k" | cut -c1-32)"
				[ $k -gt 2 ] && rm -rf "$d/$((k - 2))"
			done
		) &
	done
	echo "WRITERS-$((2 * 21))"
	wait
	;;
sync)
	rm -rf /sy && mkdir /sy || exit 1
	for i in $(seq 1 40); do
		dd if=/dev/urandom of=/sy/f$i bs=1024 count=$(( $(pick 5 $i 90) + 1 )) 2>/dev/null
		[ $i -gt 2 ] && echo "SYNCFILE /sy/f$i $(md5sum </sy/f$i | cut -c1-32)"
	done
	# A file removed while still open: on the orphan list when the power goes.
	dd if=/dev/urandom of=/sy/held bs=1024 count=700 2>/dev/null
	exec 7</sy/held
	rm /sy/held
	mv /sy/f1 /sy/renamed
	echo "SYNCFILE /sy/renamed $(md5sum </sy/renamed | cut -c1-32)"
	rm /sy/f2
	echo "SYNCGONE /sy/f2"
	sync
	echo "SYNCED-$((2 * 21))"
	sleep 1000
	;;
esac
