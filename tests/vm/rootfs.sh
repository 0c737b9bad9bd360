# Build (or reuse) the Debian rootfs of the guest; sourced by tests/vm/run.
# shellcheck shell=bash

# Bump when the way the rootfs is set up changes, so caches are rebuilt.
RODP_ROOTFS_LAYOUT=1

# Rootfs caches are keyed by their package set (rootfs_key), so a run with
# RODP_VM_PACKAGES and a default run each keep theirs. The cache keeps the
# RODP_ROOTFS_KEEP most recently used (default 3; each is about 3 GB).
RODP_ROOTFS_KEEP=${RODP_ROOTFS_KEEP:-3}

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

# rootfs_use ROOT: mark ROOT used now, and hold a shared lock on it (fd 6,
# until the harness exits) so that no other run evicts it meanwhile (the
# debug kernel's build runs without the guest lock).
rootfs_use() {
	exec 6> "$1.use-lock"
	flock -s 6
	touch "$1.used"
}

# rootfs_evict KEEP: remove the least recently used rootfs caches of this
# suite beyond the KEEP most recent; never one that a run holds (its
# use-lock is taken), so never the one in use.
rootfs_evict() {
	local keep=$1 n=0 old
	# Caches made before use stamps existed: one each, as if just used
	# long ago, so the bound applies to them too.
	for old in "$RODP_CACHE"/rootfs-"$RODP_SUITE"-*; do
		case "$old" in *.tmp|*.log|*.used|*.use-lock) continue ;; esac
		[ -d "$old" ] && [ ! -e "$old.used" ] && touch -d '@1' "$old.used"
	done
	for old in $(ls -1t "$RODP_CACHE"/rootfs-"$RODP_SUITE"-*.used 2>/dev/null); do
		old=${old%.used}
		n=$((n + 1))
		[ "$n" -le "$keep" ] && continue
		[ -d "$old" ] || { rm -f "$old.used" "$old.use-lock"; continue; }
		if ! ( flock -n -x 5 ) 5> "$old.use-lock"; then
			note "rootfs: $old is in use by another run; not evicted"
			continue
		fi
		note "rootfs: evicting $old (least recently used; $keep kept)"
		safe_rmtree "$old"
		rm -f "$old.used" "$old.use-lock" "$old.log"
	done
	return 0
}

# ensure_rootfs: sets RODP_ROOT to a ready rootfs, building it if needed.
ensure_rootfs() {
	local key root tmp mirror pkgs
	command -v debootstrap > /dev/null ||
		die "debootstrap is missing (apt-get install debootstrap)"
	key=$(rootfs_key)
	root="$RODP_CACHE/rootfs-$RODP_SUITE-$key"
	RODP_ROOT=$root
	rootfs_use "$root"
	if [ -f "$root/.rodp-ready" ] && [ "${RODP_REFRESH:-0}" != 1 ]; then
		note "rootfs: cached $root"
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
	rootfs_evict "$RODP_ROOTFS_KEEP"
	stage_done "kernel $(rootfs_kernel "$root")"
}
