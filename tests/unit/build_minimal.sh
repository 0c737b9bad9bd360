#!/bin/bash
# librodp, the rodp CLI and librodp-preload build with -Werror and install
# without CUnit and librdmacm (only the tests and rodp-bench need them):
# a copy of the committed tree is configured with a pkg-config that knows
# neither, built and installed under a temporary root; then its make check
# must stop and name the package it lacks. Run by make check (about a
# minute); a tree that is not a git checkout (a dist tree) has nothing to
# copy and skips.
set -u
top=$(cd "${abs_top_srcdir:-$(dirname "$0")/../..}" && pwd -P)
# The checkout itself, not a dist tree inside one (make distcheck's, a
# package build's): git would find the enclosing repository there.
if [ "$(git -C "$top" rev-parse --show-toplevel 2> /dev/null)" != "$top" ] ||
   ! git -C "$top" rev-parse --verify -q HEAD > /dev/null; then
	echo "SKIP: $top is not a git checkout (a dist tree): nothing to copy"
	exit 77
fi
tmp=$(mktemp -d /tmp/rodp-minimal.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat > "$tmp/pkg-config" <<'WRAP'
#!/bin/sh
# pkg-config as on a machine without libcunit1-dev and librdmacm-dev
for a; do case $a in cunit|cunit\ *|librdmacm|librdmacm\ *) exit 1 ;; esac; done
exec pkg-config "$@"
WRAP
chmod +x "$tmp/pkg-config"

mkdir "$tmp/src"
git -C "$top" archive HEAD | tar -x -C "$tmp/src" || fail "git archive"
cd "$tmp/src" || fail "no copy"
autoreconf -fi > "$tmp/autoreconf.log" 2>&1 || fail "autoreconf: $(tail -n 3 "$tmp/autoreconf.log")"
PKG_CONFIG=$tmp/pkg-config ./configure --enable-werror --disable-guest-suite \
	> "$tmp/configure.log" 2>&1 || fail "configure: $(tail -n 3 "$tmp/configure.log")"
grep -q 'rodp-bench: *no' "$tmp/configure.log" || fail "configure found librdmacm"
grep -q 'tests (CUnit): *no' "$tmp/configure.log" || fail "configure found CUnit"
make -j2 > "$tmp/make.log" 2>&1 || fail "make: $(grep -m 3 -E 'error|Error' "$tmp/make.log")"
make install DESTDIR="$tmp/root" > "$tmp/install.log" 2>&1 ||
	fail "make install: $(tail -n 3 "$tmp/install.log")"
for f in lib/librodp.so.1 lib/librodp-preload.so sbin/rodp include/rodp/rodp.h \
	 share/man/man3/rodp_reg_mr.3; do
	[ -e "$tmp/root/usr/local/$f" ] || fail "not installed: $f"
	echo "ok - installed $f"
done
[ ! -e "$tmp/root/usr/local/bin/rodp-bench" ] || fail "rodp-bench built without librdmacm"
if make check > "$tmp/check.log" 2>&1; then
	fail "make check passed without CUnit"
fi
grep -q 'make check needs CUnit: apt-get install libcunit1-dev' "$tmp/check.log" ||
	fail "make check did not say what it lacks: $(tail -n 3 "$tmp/check.log")"
echo "ok - make check says: $(grep -m 1 'make check needs CUnit' "$tmp/check.log")"
echo "PASS: built, installed and refused make check without CUnit and librdmacm"
