#!/bin/bash
# The tools' argument handling on the host, where no RDMA device is needed:
# bad usage exits 2 with one line, the rodp CLI checks its whole command
# line before it talks to rodp.ko and tells a missing rodp.ko apart (3),
# and the preload library exports exactly the registration
# entry points. Run by make check with the build tree's tools.
set -u
tools=${TOOLS_DIR:-../../tools}
fails=0
check() {
	local want=$1 what=$2 got; shift 2
	"$@" > out 2> err; got=$?
	if [ "$got" = "$want" ] && [ "$(wc -l < err)" -le 2 ]; then
		echo "ok - $what: exit $got: $(head -n1 err)"
	else
		echo "not ok - $what: exit $got, want $want: $(cat err)"; fails=$((fails + 1))
	fi
}
# expect_out WHAT TEXT / expect_err WHAT TEXT: the last check's stdout /
# stderr holds TEXT
expect_in() {
	local file=$1 what=$2 text=$3
	if grep -qF -- "$text" "$file"; then
		echo "ok - $what"
	else
		echo "not ok - $what: no '$text' in: $(cat "$file")"; fails=$((fails + 1))
	fi
}
expect_out() { expect_in out "$@"; }
expect_err() { expect_in err "$@"; }
check 2 "rodp-bench without a test" "$tools/rodp-bench"
check 2 "rodp-bench unknown test" "$tools/rodp-bench" frobnicate
check 2 "rodp-bench unknown churn" "$tools/rodp-bench" --churn=sometimes write
check 2 "rodp-bench bad rate" "$tools/rodp-bench" --churn=fork --churn-rate=-1 write
check 2 "rodp-bench bad policy" "$tools/rodp-bench" --policy=fast write
check 2 "rodp-bench --loopback without address" "$tools/rodp-bench" -L write
check 2 "rodp-bench too many arguments" "$tools/rodp-bench" write a b
check 0 "rodp-bench --help" "$tools/rodp-bench" --help
# Numbers checked whole (tools/common/num_parse.c): no sign, no overflow
# saturated or wrapped by a suffix, no zero; the limits themselves pass.
for bad in "-s -1" "-s 17179869185G" "-s 0" "-s 4X" "-s 3G" "--buffer=-1" \
	   "--buffer=99999999999999999999" "--buffer=18014398509481984K" \
	   "-n -1" "-n 99999999999999999999" "-n 0" "-n +5" "-n ' 5'" \
	   "-t -1" "-t 4097" "-p 65536" "-p -1" "--runs=-5" "--runs=1001"; do
	eval "check 2 \"rodp-bench $bad\" \"\$tools/rodp-bench\" $bad write"
done
check 0 "rodp-bench takes its limits" "$tools/rodp-bench" -s 2G -n 0x10 \
	-t 4096 -p 65535 --runs=1000 --buffer=1G --help
check 2 "rodp without object" "$tools/rodp"
check 2 "rodp unknown object" "$tools/rodp" frobnicate
check 2 "rodp bad interval" "$tools/rodp" -i 0 stat
check 0 "rodp --help" "$tools/rodp" --help
# The rodp CLI checks the whole line before it asks rodp.ko anything:
# each of these is a usage error (2) whether or not the module is loaded.
check 2 "rodp old -d DEV form" "$tools/rodp" -d rxe0 mr show
expect_err "the old -d DEV form names its replacement" "dev rxe0"
check 2 "rodp old -dDEV form" "$tools/rodp" -drxe0 stat
check 2 "rodp old --dev DEV form" "$tools/rodp" --dev rxe0 mr show
check 2 "rodp mr unknown key" "$tools/rodp" mr show colour blue
check 2 "rodp mr unknown command" "$tools/rodp" mr frob
check 2 "rodp mr key without value" "$tools/rodp" mr show pid
check 2 "rodp mr number key with a word" "$tools/rodp" mr show id abc
check 2 "rodp mr pid 0" "$tools/rodp" mr show pid 0
check 2 "rodp stat key of mr" "$tools/rodp" stat show id 3
check 2 "rodp stat dev without name" "$tools/rodp" stat dev
check 2 "rodp stat mr unknown key" "$tools/rodp" stat mr colour blue
check 2 "rodp policy unknown mode" "$tools/rodp" policy set fast
check 2 "rodp policy global default" "$tools/rodp" policy set default
check 2 "rodp policy show extra key" "$tools/rodp" policy show id 3
check 2 "rodp monitor unknown key" "$tools/rodp" monitor colour blue
check 2 "rodp -i on policy" "$tools/rodp" -i 1 policy show
check 2 "rodp -c without -i" "$tools/rodp" -c 3 stat
check 2 "rodp -j -p -i (one document per line)" "$tools/rodp" -j -p -i 1 stat
check 2 "rodp -j -p monitor (one document per line)" "$tools/rodp" -j -p monitor
# OBJECT help, as rdma has it: exit 0, the object's commands on stdout.
for obj in stat mr policy monitor; do
	check 0 "rodp $obj help" "$tools/rodp" $obj help
	expect_out "rodp $obj help describes $obj" "rodp $obj "
done
check 0 "rodp stat help" "$tools/rodp" stat help
expect_out "rodp stat help names stat mr" "rodp stat mr"
# Valid lines get as far as the kernel: 3 here without rodp.ko.
if [ -d /sys/module/rodp ]; then
	check 0 "rodp stat with rodp.ko" "$tools/rodp" stat
	check 0 "rodp status with rodp.ko" "$tools/rodp" status
else
	check 3 "rodp stat without rodp.ko" "$tools/rodp" stat
	check 3 "rodp -p stat (valid) without rodp.ko" "$tools/rodp" -p stat
	check 3 "rodp -d mr show dev (valid) without rodp.ko" "$tools/rodp" -d mr show dev rxe0
	check 3 "rodp stat mr id (valid) without rodp.ko" "$tools/rodp" stat mr id 4
	check 3 "rodp policy set stock pid (valid) without rodp.ko" "$tools/rodp" policy set stock pid 4
	check 3 "rodp status without rodp.ko" "$tools/rodp" status
fi
so=$tools/.libs/librodp-preload.so
# What the rdma-core built against lets it interpose (config.h, as
# tools/preload/interpose.c decides): ibv_reg_mr_ex from rdma-core 60,
# ibv_reg_buf_mr (PRELOAD_BUF) from 65.
have() { grep -q "^#define $1 1\$" ../../config.h; }
want="ibv_dereg_mr ibv_reg_mr"
have HAVE_DECL_IBV_REG_BUF_MR && have HAVE_DECL_IBV_EXPORT_BUF_DMABUF_FD &&
	have HAVE_DECL_IBV_REG_MR_MASK_BUF && want="ibv_dereg_mr ibv_reg_buf_mr ibv_reg_mr"
have HAVE_DECL_IBV_REG_MR_EX && want="$want ibv_reg_mr_ex"
want="$want ibv_reg_mr_iova ibv_reg_mr_iova2 ibv_rereg_mr"
got=$(nm -D --defined-only "$so" | awk '$2 == "T" { print $3 }' | sort | tr '\n' ' ')
if [ "$got" = "$want " ]; then
	echo "ok - librodp-preload.so exports exactly: $got"
else
	echo "not ok - librodp-preload.so exports '$got', want '$want'"; fails=$((fails + 1))
fi
rm -f out err
[ "$fails" = 0 ]
