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
		# (sid's key input is unchanged, so its caches stay valid.)
		[ "$RODP_KERNEL_SUITE" = "$RODP_SUITE" ] ||
			echo "kernel suite $RODP_KERNEL_SUITE layout $RODP_ROOTFS_KERNEL_LAYOUT"
		vm_packages
	} | sha256sum | cut -c1-12
}

# The packages of tests/vm/packages that make the guest's kernel; they come
# from RODP_KERNEL_SUITE (rootfs_kernel_from_suite) when it is not the
# rootfs's own suite.
RODP_KERNEL_PACKAGES="linux-image-amd64 linux-headers-amd64 linux-source"
# Bump when rootfs_kernel_from_suite changes.
RODP_ROOTFS_KERNEL_LAYOUT=1

# apt-get in the rootfs, from the mirror. Valid-Until is not checked: a
# snapshot mirror's Release files are past it.
rootfs_apt() {
	local root=$1
	shift
	DEBIAN_FRONTEND=noninteractive in_chroot "$root" apt-get -q -y \
		-o Acquire::Check-Valid-Until=false -o APT::Install-Recommends=false "$@"
}

# rootfs_kernel_from_suite ROOT MIRROR: install RODP_KERNEL_PACKAGES from
# RODP_KERNEL_SUITE (trixie-backports), and the headers and image of the
# rootfs suite's own kernel (trixie: 6.12, rxe without ODP), which
# tests/vm/build-oldkernel builds against. The guest boots the newest
# kernel (rootfs_kernel), the backports one.
rootfs_kernel_from_suite() {
	local root=$1 mirror=$2 own
	rootfs_apt "$root" update || return
	# The suite's own kernel flavour package, resolved by name from its
	# metapackage (linux-headers-amd64 -> linux-headers-6.12.N+debM-amd64).
	own=$(in_chroot "$root" apt-cache depends linux-headers-amd64 |
		awk '$1 == "Depends:" && $2 ~ /^linux-headers-[0-9]/ { print $2; exit }')
	[ -n "$own" ] || { echo "cannot resolve the own linux-headers-*-amd64 of $RODP_SUITE"; return 1; }
	rootfs_apt "$root" install "$own" "linux-image-${own#linux-headers-}" || return
	echo "deb $mirror $RODP_KERNEL_SUITE main" > "$root/etc/apt/sources.list.d/rodp-kernel.list"
	rootfs_apt "$root" update || return
	# shellcheck disable=SC2086 # a list of names
	rootfs_apt "$root" install -t "$RODP_KERNEL_SUITE" $RODP_KERNEL_PACKAGES || return
	rootfs_apt "$root" clean
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
	local root=$1 ver kver
	ver=$(chroot "$root" dpkg-query -W -f '${Version}' rdma-core 2>/dev/null) ||
		die "rootfs $root has no rdma-core"
	case "$RODP_VM_DIST" in
	sid)
		chroot "$root" dpkg --compare-versions "$ver" ge 65 ||
			die "rdma-core $ver in the rootfs is older than 65: ibv_advise_mr on rxe needs 65" ;;
	*)
		# The point of this guest: a libibverbs whose advise_mr
		# cannot reach rxe, so the shim prefetch is what runs.
		chroot "$root" dpkg --compare-versions "$ver" lt 65 ||
			die "rdma-core $ver in the $RODP_VM_DIST rootfs is 65 or newer: not the old userspace this guest is for" ;;
	esac
	kver=$(rootfs_kernel "$root")
	[ -d "$root/lib/modules/$kver/build" ] ||
		die "rootfs has no kernel headers for $kver"
	# rxe has ODP from 6.15 and advise_mr from 6.17.
	printf '6.17\n%s\n' "$kver" | sort -V -C ||
		die "the rootfs's newest kernel $kver is older than 6.17: its rdma_rxe has no ODP prefetch"
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
	if [ "$RODP_KERNEL_SUITE" = "$RODP_SUITE" ]; then
		pkgs=$(vm_packages | paste -sd, -)
	else
		pkgs=$(vm_packages | grep -v -x -F "$(printf '%s\n' $RODP_KERNEL_PACKAGES)" | paste -sd, -)
	fi
	tmp="$root.tmp"
	safe_rmtree "$tmp"
	mkdir -p "$RODP_CACHE"
	note "debootstrap --variant=minbase $RODP_SUITE from $mirror (log: $tmp.log)"
	if ! debootstrap --variant=minbase --include="$pkgs" "$RODP_SUITE" "$tmp" "$mirror" > "$tmp.log" 2>&1; then
		tail -n 20 "$tmp.log" >&2
		die "debootstrap failed; see $tmp.log"
	fi
	if [ "$RODP_KERNEL_SUITE" != "$RODP_SUITE" ]; then
		note "kernel from $RODP_KERNEL_SUITE (log: $tmp.log)"
		if ! rootfs_kernel_from_suite "$tmp" "$mirror" >> "$tmp.log" 2>&1; then
			tail -n 20 "$tmp.log" >&2
			die "installing the $RODP_KERNEL_SUITE kernel failed; see $tmp.log"
		fi
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
