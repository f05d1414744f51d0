#!/bin/bash
# The commands of README.md's "Your own program", run as written: its
# first block (make hello.c, build it four ways, run each under
# tools/ferry-run) must print "hello from my program" four times and
# succeed; its second (a dynamic glibc program) must print it once and
# succeed; its third (the same without its libraries) must end with
# status 127 and print the lines its comments show. They run in a scratch directory
# where tools/ is this tree's, as if typed at the top of the tree.
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ln -s "$top/tools" "$tmp/tools"
# The section's code blocks (lines indented by 4), one file each.
awk -v dir="$tmp" '
	/^## / { in_section = ($0 == "## Your own program") }
	!in_section { next }
	/^    / { if (!in_block) { n++; in_block = 1 } print substr($0, 5) > (dir "/block" n); next }
	/^$/ && in_block { print "" > (dir "/block" n); next }
	{ in_block = 0 }' "$top/README.md"
fail=0
[ -f "$tmp/block1" ] && [ -f "$tmp/block2" ] && [ -f "$tmp/block3" ] ||
	{ echo "FAIL no three code blocks under \"## Your own program\""; exit 1; }
echo "== block 1"; cat "$tmp/block1"
out=$(cd "$tmp" && bash -e block1 2>&1 </dev/null); rc=$?
echo "$out"
n=$(grep -cx "hello from my program" <<<"$out")
if [ $rc -eq 0 ] && [ "$n" -eq 4 ]; then echo "ok   the four recipes build programs that run"; else
	echo "FAIL block 1: status $rc, $n lines 'hello from my program' (want 0 and 4)"; fail=1; fi

echo "== block 2"; cat "$tmp/block2"
out=$(cd "$tmp" && bash -e block2 2>&1 </dev/null); rc=$?
echo "$out"
if [ $rc -eq 0 ] && [ "$(grep -cx "hello from my program" <<<"$out")" -eq 1 ]; then
	echo "ok   a dynamic glibc program runs with its libraries"
else
	echo "FAIL block 2: status $rc (want 0 and 'hello from my program')"; fail=1
fi

echo "== block 3"; cat "$tmp/block3"
out=$(cd "$tmp" && bash block3 2>&1 </dev/null); rc=$?
echo "$out"
want=$(sed -n 's/^# \(init: .*\)/\1/p' "$tmp/block3")
if [ $rc -eq 127 ] && [ -n "$want" ] && [ "$(grep '^init: ' <<<"$out")" = "$want" ]; then
	echo "ok   without its libraries: status 127 and the lines the README shows"
else
	echo "FAIL block 3: status $rc (want 127), want the lines:"; echo "$want"; fail=1
fi
exit $fail
