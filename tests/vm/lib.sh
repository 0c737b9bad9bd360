# Shared helpers of the guest harness; sourced, not run.
# shellcheck shell=bash

RODP_CACHE=${RODP_CACHE:-/var/cache/rodp}

die() {
	echo "rodp-vm: error: $*" >&2
	exit 2
}

# vm_dist_select DIST: which Debian the guest is, and which suite its
# kernel comes from (RODP_SUITE, RODP_KERNEL_SUITE). One switch,
# RODP_VM_DIST or tests/vm/run --kernel:
#   sid     sid's kernel, rdma-core and compiler (the default)
#   trixie  Debian 13 with the trixie-backports kernel (7.3.x, rxe with ODP
#           and advise_mr) and trixie's own rdma-core 56, whose
#           ibv_advise_mr answers EOPNOTSUPP on rxe: librodp's shim
#           prefetch is the path taken there. The rootfs also holds the
#           headers and image of trixie's own kernel (6.12, rxe without
#           ODP) for tests/vm/build-oldkernel and trixie-6.12.
#   trixie-6.12  the same rootfs booting trixie's own 6.12 kernel: no fixed
#           rdma_rxe (nothing to fix: its rxe has no ODP), so runs take
#           --stock-rxe; only for checking what librodp says there.
# RODP_BOOT_OWN_KERNEL=1 boots the suite's own (oldest) kernel.
vm_dist_select() {
	RODP_BOOT_OWN_KERNEL=0
	case "$1" in
	sid) RODP_SUITE=sid RODP_KERNEL_SUITE=sid ;;
	trixie) RODP_SUITE=trixie RODP_KERNEL_SUITE=trixie-backports ;;
	trixie-6.12) RODP_SUITE=trixie RODP_KERNEL_SUITE=trixie-backports RODP_BOOT_OWN_KERNEL=1 ;;
	*) die "unknown guest kernel '$1' (want sid, trixie or trixie-6.12)" ;;
	esac
	RODP_VM_DIST=$1
	export RODP_VM_DIST
}
vm_dist_select "${RODP_VM_DIST:-sid}"

note() {
	echo "rodp-vm: $*" >&2
}

# stage NAME: print the stage and remember when it began; stage_done prints
# how long it took.
stage() {
	rodp_stage_name=$1
	rodp_stage_t0=$(date +%s.%N)
	note "[$rodp_stage_name] ..."
}

stage_done() {
	local t1
	t1=$(date +%s.%N)
	note "[$rodp_stage_name] done in $(awk -v a="$rodp_stage_t0" -v b="$t1" 'BEGIN { printf "%.1f s", b - a }')${1:+ ($1)}"
}

# The Debian mirror this machine already uses, read from its apt sources so
# that no host name is written into the project. RODP_MIRROR overrides.
debian_mirror() {
	local uri
	if [ -n "${RODP_MIRROR:-}" ]; then
		echo "$RODP_MIRROR"
		return
	fi
	uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' |
		grep -E '/debian/?$' | head -n 1)
	if [ -z "$uri" ]; then
		uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) .*/\2/p' |
			grep -E '/debian/?$' | head -n 1)
	fi
	[ -n "$uri" ] || die "no Debian mirror in /etc/apt/sources.list*; set RODP_MIRROR=URI"
	echo "${uri%/}"
}

# The packaging tools tests/vm/check-packages builds, lints and installs
# the Debian packages with (in the rootfs and in its clean copy, where apt
# installs them offline). perl-openssl-defaults provides the virtual
# perl-openssl-abi-3 that lintian's libnet-ssleay-perl needs; debootstrap
# does not resolve it.
RODP_PACKAGING_PACKAGES="debhelper dh-dkms dkms lintian perl-openssl-defaults build-essential"

# The package list of the rootfs: tests/vm/packages without comments, plus
# RODP_VM_PACKAGES. The sid rootfs also holds RODP_PACKAGING_PACKAGES:
# make check runs check-packages --quick there, and they make its
# debootstrap about 90 s longer (195 s without, 286 s with, measured on
# the 2-core CI machine), where a second rootfs for the packages took
# the whole 286 s and 3 GB more. The trixie rootfs does not need them, so
# its cache key stays as it was.
vm_packages() {
	{
		sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$RODP_VM_DIR/packages"
		# shellcheck disable=SC2086 # a list of names
		[ "$RODP_SUITE" != sid ] || printf '%s\n' $RODP_PACKAGING_PACKAGES
		for p in ${RODP_VM_PACKAGES:-}; do echo "$p"; done
	} | sort -u
}

# The kernel version installed in a rootfs (the newest if several).
rootfs_kernel() {
	local root=$1 k
	k=$(ls "$root/boot" 2>/dev/null | sed -n 's/^vmlinuz-//p' | sort -V | tail -n 1)
	[ -n "$k" ] || die "no kernel in $root/boot"
	echo "$k"
}

# rootfs_boot_kernel ROOT: the kernel the guest boots: the newest, or with
# RODP_BOOT_OWN_KERNEL=1 the oldest (trixie's own next to backports').
rootfs_boot_kernel() {
	local root=$1 k
	if [ "${RODP_BOOT_OWN_KERNEL:-0}" = 1 ]; then
		k=$(ls "$root/boot" 2>/dev/null | sed -n 's/^vmlinuz-//p' | sort -V | head -n 1)
		[ -n "$k" ] && [ "$k" != "$(rootfs_kernel "$root")" ] ||
			die "$root has only one kernel; no older one of the suite's own to boot"
		echo "$k"
	else
		rootfs_kernel "$root"
	fi
}

# mounts_under DIR: mount points at or below DIR, deepest first.
mounts_under() {
	awk -v d="$1" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r
}

# umount_under DIR: unmount everything at or below DIR (lazily if busy).
umount_under() {
	local m
	for m in $(mounts_under "$1"); do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
}

# safe_rmtree DIR: remove a cache tree, never crossing into a mount.
safe_rmtree() {
	[ -e "$1" ] || return 0
	umount_under "$1"
	[ -z "$(mounts_under "$1")" ] || die "refusing to remove $1: still mounted"
	rm -rf --one-file-system "$1"
}

# in_chroot ROOT CMD...: run CMD in ROOT with ROOT/proc mounted (objtool
# needs it); /proc is unmounted again whatever happens, and the caller's
# EXIT trap unmounts it too if the harness itself is killed.
in_chroot() {
	local root=$1 rc=0
	shift
	mount -t proc proc "$root/proc"
	chroot "$root" "$@" || rc=$?
	umount "$root/proc" 2>/dev/null || umount -l "$root/proc"
	return $rc
}

# The name of this checkout's build tree in the rootfs (/rodp/trees/NAME).
checkout_tree() {
	echo "$(basename "$RODP_TOP" | tr -c 'A-Za-z0-9_.\n-' _)-$(printf '%s' "$RODP_TOP" | sha256sum | cut -c1-8)"
}

# capability_listed TEST REASON: TEST skipping with exactly REASON is on
# the list of tests/vm/capability-skips (TEST | REASON | WHY per line).
# Used by check-guest on the host and by guest/func-suite in the guest.
capability_listed() {
	awk -F ' *[|] *' -v t="$1" -v r="$2" '
		/^[[:space:]]*(#|$)/ { next }
		{ sub(/^[[:space:]]+/, "", $1) }
		$1 == t && $2 == r { found = 1 }
		END { exit !found }' "${RODP_VM_DIR:-/rodp/src/tests/vm}/capability-skips"
}
