#!/bin/bash
# The tools' argument handling on the host, where no RDMA device is needed:
# bad usage exits 2 with one line, the rodp CLI tells a missing rodp.ko
# apart (3), and the preload library exports exactly the registration
# entry points. Run by make check with the build tree's tools.
set -u
tools=${TOOLS_DIR:-../../tools}
fails=0
check() {
	local want=$1 what=$2 got; shift 2
	"$@" > /dev/null 2> err; got=$?
	if [ "$got" = "$want" ] && [ "$(wc -l < err)" -le 2 ]; then
		echo "ok - $what: exit $got: $(head -n1 err)"
	else
		echo "not ok - $what: exit $got, want $want: $(cat err)"; fails=$((fails + 1))
	fi
}
check 2 "rodp-bench without a test" "$tools/rodp-bench"
check 2 "rodp-bench unknown test" "$tools/rodp-bench" frobnicate
check 2 "rodp-bench unknown churn" "$tools/rodp-bench" --churn=sometimes write
check 2 "rodp-bench bad rate" "$tools/rodp-bench" --churn=fork --churn-rate=-1 write
check 2 "rodp-bench bad policy" "$tools/rodp-bench" --policy=fast write
check 2 "rodp-bench --loopback without address" "$tools/rodp-bench" -L write
check 2 "rodp-bench too many arguments" "$tools/rodp-bench" write a b
check 0 "rodp-bench --help" "$tools/rodp-bench" --help
check 2 "rodp without object" "$tools/rodp"
check 2 "rodp unknown object" "$tools/rodp" frobnicate
check 2 "rodp bad interval" "$tools/rodp" -i 0 stat
check 0 "rodp --help" "$tools/rodp" --help
if [ -d /sys/module/rodp ]; then
	check 0 "rodp stat with rodp.ko" "$tools/rodp" stat
	check 0 "rodp status with rodp.ko" "$tools/rodp" status
else
	check 3 "rodp stat without rodp.ko" "$tools/rodp" stat
	check 3 "rodp status without rodp.ko" "$tools/rodp" status
fi
so=$tools/.libs/librodp-preload.so
want="ibv_dereg_mr ibv_reg_mr ibv_reg_mr_iova ibv_reg_mr_iova2 ibv_rereg_mr"
grep -q HAVE_DECL_IBV_REG_MR_EX\ 1 ../../config.h && want="ibv_dereg_mr ibv_reg_mr ibv_reg_mr_ex ibv_reg_mr_iova ibv_reg_mr_iova2 ibv_rereg_mr"
got=$(nm -D --defined-only "$so" | awk '$2 == "T" { print $3 }' | sort | tr '\n' ' ')
if [ "$got" = "$want " ]; then
	echo "ok - librodp-preload.so exports exactly: $got"
else
	echo "not ok - librodp-preload.so exports '$got', want '$want'"; fails=$((fails + 1))
fi
rm -f err
[ "$fails" = 0 ]
