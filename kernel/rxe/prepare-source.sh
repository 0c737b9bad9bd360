#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# prepare-source.sh - extract drivers/infiniband/sw/rxe from a kernel source,
# apply rodp's patch series and leave a flat Kbuild directory behind.
#
#   prepare-source.sh [-p PATCHDIR] SRC DEST
#   prepare-source.sh [-p PATCHDIR] -k KERNELRELEASE DEST
#
# SRC is a linux-source-X.Y.tar.{xz,bz2,gz} or a kernel tree that contains
# drivers/infiniband/sw/rxe.  With -k the source is looked up in /usr/src
# (linux-source-X.Y.tar.* or linux-source-X.Y/) for the X.Y of KERNELRELEASE,
# which is what Debian's linux-source-X.Y package installs.
# PATCHDIR (default: the patches/ directory next to this script) holds the
# patches and a "series" file listing them in order; they are relative to
# the kernel tree root and are applied with patch -p1.  Where a kernel
# version's rxe differs enough that a patch does not apply, PATCHDIR/X.Y/
# holds that patch's form for X.Y under the same name, used in its place
# for sources of X.Y (read from KERNELRELEASE, from a linux-source-X.Y
# name, or from a tree's Makefile).
# DEST is replaced.  Build the result with
#   make -C KBUILD M=DEST CONFIG_RDMA_RXE=m CONFIG_INFINIBAND_ON_DEMAND_PAGING=y modules
set -eu

RXE=drivers/infiniband/sw/rxe
patchdir=$(cd "$(dirname "$0")" && pwd)/patches
kver=

die() { echo "prepare-source.sh: $*" >&2; exit 1; }

while getopts p:k: opt; do
	case $opt in
	p) patchdir=$OPTARG ;;
	k) kver=$OPTARG ;;
	*) die "usage: $0 [-p PATCHDIR] {SRC | -k KERNELRELEASE} DEST" ;;
	esac
done
shift $((OPTIND - 1))

if [ -n "$kver" ]; then
	[ $# -eq 1 ] || die "usage: $0 [-p PATCHDIR] -k KERNELRELEASE DEST"
	xy=$(echo "$kver" | sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p')
	[ -n "$xy" ] || die "cannot read a version from '$kver'"
	src=
	for c in /usr/src/linux-source-$xy.tar.xz /usr/src/linux-source-$xy.tar.bz2 \
		 /usr/src/linux-source-$xy.tar.gz /usr/src/linux-source-$xy; do
		if [ -e "$c" ]; then src=$c; break; fi
	done
	[ -n "$src" ] || die "no /usr/src/linux-source-$xy.tar.* or /usr/src/linux-source-$xy (install the linux-source-$xy package)"
	dest=$1
else
	[ $# -eq 2 ] || die "usage: $0 [-p PATCHDIR] SRC DEST"
	src=$1
	dest=$2
fi

[ -f "$patchdir/series" ] || die "no series file in $patchdir"

# The X.Y of a source given by name: linux-source-X.Y[.tar.*], or a tree's
# top Makefile.  Empty when neither says (then no per-version variant).
if [ -z "$kver" ]; then
	xy=$(basename "$src" | sed -n 's/^linux-source-\([0-9]*\.[0-9]*\)\(\.tar\..*\)\{0,1\}$/\1/p')
	if [ -z "$xy" ] && [ -f "$src/Makefile" ]; then
		xy=$(awk '$1 == "VERSION" { v = $3 } $1 == "PATCHLEVEL" { p = $3 }
			END { if (v != "" && p != "") print v "." p }' "$src/Makefile")
	fi
fi
command -v patch > /dev/null || die "patch(1) is missing (apt-get install patch)"

rm -rf "$dest"
mkdir -p "$dest"
tree=$dest/.tree
mkdir -p "$tree"

if [ -d "$src" ]; then
	[ -d "$src/$RXE" ] || die "$src has no $RXE"
	mkdir -p "$tree/$RXE"
	cp -p "$src/$RXE"/* "$tree/$RXE"/
else
	[ -f "$src" ] || die "$src: no such file or directory"
	case $src in
	*.xz)  z=J ;;
	*.bz2) z=j ;;
	*.gz)  z=z ;;
	*)     z= ;;
	esac
	# linux-source-X.Y.tar.* has one top-level directory.
	tar -x${z}f "$src" -C "$tree" --strip-components=1 --wildcards "*/$RXE/*" ||
		die "cannot extract $RXE from $src"
	[ -f "$tree/$RXE/rxe_odp.c" ] || die "$src has no $RXE/rxe_odp.c"
fi

sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$patchdir/series" | while read -r p; do
	f=$patchdir/$p
	if [ -n "$xy" ] && [ -f "$patchdir/$xy/$p" ]; then
		f=$patchdir/$xy/$p
		p="$xy/$p"
	fi
	echo "  PATCH   $p"
	patch -p1 -s --batch --forward -d "$tree" < "$f" ||
		die "$p does not apply to $src"
done

mv "$tree/$RXE"/* "$dest"/
rm -rf "$tree"
