# Sourced by the disk tests (tests/ext2*.sh): one line per check, "ok   WHAT"
# or "FAIL WHAT" with what was seen; a failure sets fail=1. E2FSCK must be set.

want() { # what, output, expected line (fixed string)
	if grep -qF -- "$3" <<<"$2"; then echo "ok   $1"; else
		echo "FAIL $1: no '$3' in:"; sed 's/^/    /' <<<"$2" | tail -30; fail=1; fi
}

fsck() { # image, what: e2fsck -fn must find nothing to fix
	local out
	if out=$("$E2FSCK" -fn "$1" 2>&1); then echo "ok   e2fsck -fn after $2"; else
		echo "FAIL e2fsck -fn after $2:"; sed 's/^/    /' <<<"$out"; fail=1; fi
}
