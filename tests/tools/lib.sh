# Helpers for the tools' guest checks (sourced). Each check prints
# "ok - WHAT" or "not ok - WHAT" and the script exits 1 if any failed.
fails=0
ok() { echo "ok - $*"; }
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
	echo "# $fails failed"
	[ "$fails" = 0 ]
}
