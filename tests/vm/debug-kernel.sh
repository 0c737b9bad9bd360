#!/bin/bash
# The rodp debug kernel: Debian's linux-source-X.Y built with Debian's own
# config plus KASAN, lockdep, kmemleak and DEBUG_ATOMIC_SLEEP
# (debug-kernel.config), trimmed to the modules a guest run loads
# (debug-kernel.modules), 9p and virtio built in so it boots the rootfs
# without an initramfs. Built in the rootfs chroot with the distribution's
# gcc, cached in $RODP_CACHE/debug-kernel-HASH (HASH covers the source
# package's version, Debian's config, the fragment, the module list and the
# build script) and rebuilt only when that directory has no finished build.
#
#   tests/vm/debug-kernel.sh            build it if needed, print its directory
#   tests/vm/debug-kernel.sh --status   print the directory and whether it is built
#
# tests/vm/run --debug-kernel sources this file and calls
# ensure_debug_kernel. The build runs at nice 19 (other guests share the
# machine) and does not hold the guest lock, only its own.
# shellcheck shell=bash

# Extra rootfs packages a kernel build needs and a module build does not.
RODP_DEBUG_KERNEL_BUILD_DEPS="bc bison flex libelf-dev libssl-dev zstd"

# debug_kernel_inputs ROOT KVER: everything the build depends on, as text.
debug_kernel_inputs() {
	local root=$1 kver=$2 xy
	xy=$(echo "$kver" | sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p')
	echo "source linux-source-$xy $(chroot "$root" dpkg-query -W -f '${Version}' "linux-source-$xy" 2>/dev/null)"
	echo "config $kver $(sha256sum < "$root/boot/config-$kver" | cut -c1-64)"
	cat "$RODP_VM_DIR/debug-kernel.config" "$RODP_VM_DIR/debug-kernel.modules" \
		"$RODP_VM_DIR/guest/build-debug-kernel"
}

# debug_kernel_lsmod ROOT KVER: an lsmod-style list for localmodconfig, the
# modules of debug-kernel.modules and their dependencies in KVER.
debug_kernel_lsmod() {
	local dep="$1/lib/modules/$2/modules.dep" m
	echo "Module Size Used by"
	for m in $(sed -e 's/#.*//' "$RODP_VM_DIR/debug-kernel.modules"); do
		awk -v m="$m" '{ sub(":", "", $1); f = $1; sub(".*/", "", f); sub("[.]ko.*", "", f) }
			f == m { for (i = 1; i <= NF; i++) print $i }' "$dep"
	done | sed -e 's|.*/||' -e 's/\.ko.*//' | sort -u | awk '{ print $1, 0, 0 }'
}

# in_debug_chroot ROOT DIR CMD...: run CMD in the ROOT chroot with DIR at
# /rodp/debug-kernel and /proc mounted, in a private mount namespace: a
# guest run of another checkout unmounts everything under ROOT when it ends,
# and must not pull the ground from under a 30-minute build.
in_debug_chroot() {
	local root=$1 dir=$2
	shift 2
	mkdir -p "$root/rodp/debug-kernel"
	unshare --mount --propagation private -- /bin/bash -c '
		set -e
		mount --bind "$1" "$2/rodp/debug-kernel"
		mount -t proc proc "$2/proc"
		root=$2
		shift 2
		exec chroot "$root" "$@"' in_debug_chroot "$dir" "$root" "$@"
}

# debug_kernel_dir ROOT KVER: the cache directory of the current inputs.
debug_kernel_dir() {
	echo "$RODP_CACHE/debug-kernel-$(debug_kernel_inputs "$1" "$2" | sha256sum | cut -c1-12)"
}

# debug_kernel_ready ROOT KVER: whether that directory holds a finished build.
debug_kernel_ready() {
	[ -f "$(debug_kernel_dir "$1" "$2")/.rodp-built" ]
}

# ensure_debug_kernel ROOT KVER: sets RODP_DEBUG_KDIR (the cache directory),
# RODP_DEBUG_KREL (its kernel release) and RODP_DEBUG_BZIMAGE, building the
# kernel when it is missing and reinstalling its modules into ROOT when the
# rootfs lost them (a rebuilt rootfs).
ensure_debug_kernel() {
	local root=$1 kver=$2 dir xy tarball t0 missing p
	dir=$(debug_kernel_dir "$root" "$kver")
	RODP_DEBUG_KDIR=$dir
	mkdir -p "$dir"
	exec 8> "$dir.lock"
	if ! flock -n 8; then
		note "debug kernel: another build of $dir is running; waiting"
		flock 8
	fi
	if [ ! -f "$dir/.rodp-built" ]; then
		xy=$(echo "$kver" | sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p')
		tarball=/usr/src/linux-source-$xy.tar.xz
		[ -f "$root$tarball" ] || die "debug kernel: no $tarball in the rootfs (package linux-source-$xy)"
		missing=
		for p in $RODP_DEBUG_KERNEL_BUILD_DEPS; do
			chroot "$root" dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
				missing="$missing $p"
		done
		if [ -n "$missing" ]; then
			note "debug kernel: installing build dependencies into the rootfs:$missing"
			chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
				--no-install-recommends $missing > "$dir/apt.log" 2>&1 ||
				{ tail -n 20 "$dir/apt.log" >&2; die "debug kernel: apt-get install$missing failed (see $dir/apt.log)"; }
		fi
		mkdir -p "$dir/recipe"
		cp "$RODP_VM_DIR/debug-kernel.config" "$dir/recipe/fragment.config"
		cp "$RODP_VM_DIR/guest/build-debug-kernel" "$dir/recipe/build"
		debug_kernel_lsmod "$root" "$kver" > "$dir/recipe/lsmod"
		stage "debug kernel build"
		note "debug kernel: building linux-source-$xy for $kver in $dir at nice 19 (make -j2; about 30 min; log $dir/make.log)"
		t0=$(date +%s)
		if ! in_debug_chroot "$root" "$dir" nice -n 19 /rodp/debug-kernel/recipe/build "$kver" "$tarball"; then
			die "debug kernel: the build failed (logs in $dir)"
		fi
		echo "$(( $(date +%s) - t0 ))" > "$dir/build-seconds"
		touch "$dir/.rodp-built"
		stage_done "$(cat "$dir/build-seconds") s"
	fi
	RODP_DEBUG_KREL=$(cat "$dir/kernelrelease")
	RODP_DEBUG_BZIMAGE=$dir/bzImage
	if [ ! -f "$root/lib/modules/$RODP_DEBUG_KREL/modules.dep" ]; then
		note "debug kernel: reinstalling its modules into the rootfs"
		in_debug_chroot "$root" "$dir" /rodp/debug-kernel/recipe/build --install-only ||
			die "debug kernel: installing the modules failed"
	fi
	flock -u 8
	exec 8>&-
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	RODP_VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	. "$RODP_VM_DIR/lib.sh"
	. "$RODP_VM_DIR/rootfs.sh"
	[ "$(id -u)" = 0 ] || die "must run as root (chroot, mounts)"
	ensure_rootfs
	kver=$(rootfs_kernel "$RODP_ROOT")
	if [ "${1:-}" = --status ]; then
		dir=$(debug_kernel_dir "$RODP_ROOT" "$kver")
		if debug_kernel_ready "$RODP_ROOT" "$kver"; then echo "$dir built in $(cat "$dir/build-seconds") s"; else echo "$dir not built"; fi
		exit 0
	fi
	ensure_debug_kernel "$RODP_ROOT" "$kver"
	echo "$RODP_DEBUG_KDIR ($RODP_DEBUG_KREL)"
fi
