#!/bin/sh
# SPDX-License-Identifier: MIT
# What an embedder gets from `cmake --install`: install into a fresh prefix,
# check what is installed, then build and run a C and a C++ program
# against it with nothing but pkg-config (no -I or -L into the tree).
# The worked example (examples/minimal_hyp.c) is one of them, run under
# valgrind too when there is one and the build is not sanitized.
# usage: install.sh CMAKE BUILD_DIR WORK_DIR TESTS_SRC EXAMPLES CC [CFLAGS...]
#   CFLAGS: the build's own sanitizer flags, which the installed libraries
#   were built with and so every program linking them needs.
set -eu
cmake=$1 build=$2 work=$3 src=$4 examples=$5 cc=$6
shift 6
flags="$*"
cxx=${CXX:-c++}

fail() {
	echo "install: $*" >&2
	exit 1
}

command -v "$cxx" >/dev/null || fail "no C++ compiler '$cxx' (g++: scripts/deps.sh test)"
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
"$cmake" --install "$build" --prefix "$prefix" >"$work/install.log"

pcdir=$(find "$prefix" -name s2mm.pc -path '*/pkgconfig/*' -printf '%h\n')
[ -n "$pcdir" ] || fail "no s2mm.pc installed"
export PKG_CONFIG_PATH="$pcdir"
# Only the installed files: no system copy of s2mm may answer.
export PKG_CONFIG_LIBDIR="$pcdir"
for m in s2mm s2mm-model; do
	pkg-config --exists "$m" || fail "pkg-config does not find $m"
done
libdir=$(pkg-config --variable=libdir s2mm)
incdir=$(pkg-config --variable=includedir s2mm)
[ "$(cd "$incdir" && pwd -P)" = "$(cd "$prefix/include" && pwd -P)" ] ||
	fail "s2mm.pc names $incdir, not the prefix's include directory"

# The installed headers: the libraries' own, and nothing of internal/.
want="error.h geometry.h mmu.h ops.h pgtable.h tlb.h tlb_fast.h vm.h vmid.h"
have=$(cd "$incdir/s2mm" && ls | tr '\n' ' ' | sed 's/ $//')
[ "$have" = "$want" ] || fail "installed headers: $have; expected: $want"
for h in "$incdir"/s2mm/*.h; do
	for inc in $(sed -n 's/^#include <s2mm\/\(.*\)>/\1/p' "$h"); do
		[ -f "$incdir/s2mm/$inc" ] || fail "$h includes <s2mm/$inc>, not installed"
	done
	grep -q 'extern "C"' "$h" || fail "$h has no extern \"C\" guard"
	# Every macro carries the project's prefix (no Linux-style names).
	bad=$(sed -n 's/^#[ \t]*define[ \t]\{1,\}\([A-Za-z_0-9]*\).*/\1/p' "$h" |
	      grep -v '^S2_\|^S2MM_' || true)
	[ -z "$bad" ] || fail "$h defines unprefixed macros: $bad"
	# Each header stands alone, in C and in C++.
	n=${h##*/}
	echo "#include <s2mm/$n>" >"$work/h.c"
	# shellcheck disable=SC2046,SC2086
	$cc -std=c11 -Wall -Wextra -Werror -pedantic $(pkg-config --cflags s2mm) \
		-fsyntax-only "$work/h.c" || fail "$n does not compile alone as C"
	# shellcheck disable=SC2046
	$cxx -std=c++11 -Wall -Wextra -Werror -pedantic $(pkg-config --cflags s2mm) \
		-fsyntax-only -x c++ "$work/h.c" || fail "$n does not compile alone as C++"
done

# shellcheck disable=SC2046,SC2086
$cc -std=c11 -Wall -Wextra -Werror $flags -o "$work/use_c" "$src/use_c.c" \
	$(pkg-config --cflags --libs s2mm)
# shellcheck disable=SC2046,SC2086
$cc -std=c11 -Wall -Wextra -Werror -pedantic $flags -o "$work/minimal_hyp" \
	"$examples/minimal_hyp.c" $(pkg-config --cflags --libs s2mm-model)
# shellcheck disable=SC2046,SC2086
$cxx -std=c++17 -Wall -Wextra -Werror $flags -o "$work/use_cxx" "$src/use_cxx.cpp" \
	$(pkg-config --cflags --libs s2mm-model)
export LD_LIBRARY_PATH="$libdir"
"$work/use_c" >"$work/use_c.out" || fail "use_c failed"
"$work/use_cxx" >"$work/use_cxx.out" || fail "use_cxx failed"
"$work/minimal_hyp" >"$work/minimal_hyp.out" || fail "minimal_hyp failed"
cat "$work/use_c.out" "$work/use_cxx.out" "$work/minimal_hyp.out"
if [ -z "$flags" ] && command -v valgrind >/dev/null; then
	valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=all \
		"$work/minimal_hyp" >/dev/null || fail "minimal_hyp is not valgrind-clean"
fi
[ "$(head -1 "$work/use_c.out")" = "$(head -1 "$work/use_cxx.out")" ] ||
	fail "C and C++ disagree on the layout of the structs"
# The programs ran on the installed shared libraries, not on copies.
ldd "$work/use_cxx" | grep -q "$libdir/libs2mm-model.so" ||
	fail "use_cxx is not linked to the installed libs2mm-model.so"
# The command as a Debian user expects it: its version, its manual page,
# its bash completion.
[ "$("$prefix/bin/s2mm" --version)" = "s2mm $(pkg-config --modversion s2mm)" ] ||
	fail "s2mm --version does not print the libraries' version"
[ -f "$prefix/share/man/man1/s2mm.1" ] || fail "no share/man/man1/s2mm.1"
[ -f "$prefix/share/bash-completion/completions/s2mm" ] ||
	fail "no share/bash-completion/completions/s2mm"
echo "install: ok"
