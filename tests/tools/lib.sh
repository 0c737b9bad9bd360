# Helpers for the tools' guest checks (sourced). Each check prints
# "ok - WHAT" or "not ok - WHAT" and the script exits 1 if any failed, or
# if none passed (a script that checked nothing proves nothing).
fails=0 passes=0
ok() { echo "ok - $*"; passes=$((passes + 1)); }
not_ok() { echo "not ok - $*"; fails=$((fails + 1)); }
# expect WHAT COMMAND...: the command must succeed
expect() {
	local what=$1; shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
# json_num KEY FILE: the first number under "KEY" in FILE
json_num() {
	sed -n "s/.*\"$1\": \([0-9][0-9]*\).*/\1/p" "$2" | head -n 1
}
finish() {
	echo "# $passes passed, $fails failed"
	[ "$passes" -gt 0 ] || echo "not ok - no check passed: nothing was checked"
	[ "$fails" = 0 ] && [ "$passes" -gt 0 ]
}
