# Build (or reuse) the Debian rootfs of the guest; sourced by tests/vm/run.
# shellcheck shell=bash

# Bump when the way the rootfs is set up changes, so caches are rebuilt.
RODP_ROOTFS_LAYOUT=1

rootfs_key() {
	{
		echo "layout $RODP_ROOTFS_LAYOUT suite $RODP_SUITE"
		vm_packages
	} | sha256sum | cut -c1-12
}

# Minimal configuration a booted minbase system needs to be a test guest.
rootfs_configure() {
	local root=$1
	echo rodp-guest > "$root/etc/hostname"
	printf '127.0.0.1 localhost\n127.0.1.1 rodp-guest\n::1 localhost\n' > "$root/etc/hosts"
	: > "$root/etc/fstab"
	mkdir -p "$root/rodp/trees" "$root/rodp/run"
	# Guests have no network and no use for apt's daily jobs.
	rm -f "$root/etc/apt/apt.conf.d/"*periodic* 2>/dev/null || true
}

# Check the rootfs holds what the project relies on; die with the reason.
rootfs_verify() {
	local root=$1 ver
	ver=$(chroot "$root" dpkg-query -W -f '${Version}' rdma-core 2>/dev/null) ||
		die "rootfs $root has no rdma-core"
	if ! chroot "$root" dpkg --compare-versions "$ver" ge 65; then
		die "rdma-core $ver in the rootfs is older than 65: ibv_advise_mr on rxe needs 65"
	fi
	rootfs_kernel "$root" > /dev/null
	[ -d "$root/lib/modules/$(rootfs_kernel "$root")/build" ] ||
		die "rootfs has no kernel headers for $(rootfs_kernel "$root")"
}

# ensure_rootfs: sets RODP_ROOT to a ready rootfs, building it if needed.
ensure_rootfs() {
	local key root tmp mirror pkgs
	command -v debootstrap > /dev/null ||
		die "debootstrap is missing (apt-get install debootstrap)"
	key=$(rootfs_key)
	root="$RODP_CACHE/rootfs-$RODP_SUITE-$key"
	RODP_ROOT=$root
	if [ -f "$root/.rodp-ready" ] && [ "${RODP_REFRESH:-0}" != 1 ]; then
		note "rootfs: cached $root"
		# The mark's time is the last use: the cache keeps the most
		# recently used package sets.
		touch "$root/.rodp-ready"
		return
	fi

	stage rootfs
	mirror=$(debian_mirror)
	pkgs=$(vm_packages | paste -sd, -)
	tmp="$root.tmp"
	safe_rmtree "$tmp"
	mkdir -p "$RODP_CACHE"
	note "debootstrap --variant=minbase $RODP_SUITE from $mirror (log: $tmp.log)"
	if ! debootstrap --variant=minbase --include="$pkgs" "$RODP_SUITE" "$tmp" "$mirror" > "$tmp.log" 2>&1; then
		tail -n 20 "$tmp.log" >&2
		die "debootstrap failed; see $tmp.log"
	fi
	rootfs_configure "$tmp"
	rootfs_verify "$tmp"
	safe_rmtree "$root"
	mv "$tmp" "$root"
	mv "$tmp.log" "$root.log"
	touch "$root/.rodp-ready"
	# Each package set (RODP_VM_PACKAGES, tests/vm/check-packages) has its
	# rootfs; keep the RODP_ROOTFS_KEEP (3) most recently used, so that
	# alternating sets do not rebuild each other.
	ls -1td "$RODP_CACHE/rootfs-$RODP_SUITE-"*/.rodp-ready 2>/dev/null |
		tail -n +$((${RODP_ROOTFS_KEEP:-3} + 1)) | while read -r mark; do
			old=${mark%/.rodp-ready}
			[ "$old" != "$root" ] && [ ! -L "$old" ] && safe_rmtree "$old"
		done
	stage_done "kernel $(rootfs_kernel "$root")"
}
