#!/bin/sh
# build.sh: builds the libFuzzer targets of xcd-xenstored with clang
# (ASan + UBSan + libFuzzer), whatever compiler the tree is configured with.
# Usage: fuzz/build.sh SRCDIR OUTDIR      (make fuzz calls it)
# Environment: CLANG (default: clang, else clang-14), FUZZ_CFLAGS (extra flags).
# Makes OUTDIR/fuzz-xs-request, OUTDIR/fuzz-xs-state and OUTDIR/lu-save-seed
# (the helper that writes a saved state for the state fuzzer's corpus).
set -eu
src=$(cd "${1:?usage: build.sh SRCDIR OUTDIR}" && pwd)
out=${2:?usage: build.sh SRCDIR OUTDIR}
mkdir -p "$out/clang-obj"
out=$(cd "$out" && pwd)
. "$src/fuzz/clang.sh"
xenlibs="xencontrol xenevtchn xengnttab xenforeignmemory xenguest"
pkgc=$(pkg-config --cflags $xenlibs)
pkgl=$(pkg-config --libs $xenlibs)

core="xenstore/proto.c xenstore/path.c xenstore/perm.c xenstore/store.c
xenstore/transaction.c xenstore/tree.c xenstore/quota.c xenstore/watch.c
xenstore/conn.c xenstore/request.c xenstore/control.c xenstore/domain.c
xenstore/ring.c xenstore/hyp_hv.c xenstore/dom0_ring.c xenstore/liveupdate.c
xenstore/trace.c xenstore/server.c hv/hv.c hv/cpufeat.c hv/hv_xen.c hv/hv_xen_state.c
hv/hv_xen_pv.c hv/acpi.c hv/hv_sim.c hv/hv_sim_state.c hv/sim_hvmctx.c
lib/log.c lib/loop.c lib/strmap.c tests/lib/xs_harness.c"

# The daemon's code, instrumented for coverage; rebuilt when a source or any
# header of the tree is newer than its object. server_destroy's walk of all
# 65536 domain slots is left out of the coverage tracing: traced, it took
# half of each run.
printf 'fun:server_destroy\n' >"$out/clang-obj/coverage-ignore.txt"
cov="-fsanitize=fuzzer-no-link -fsanitize-coverage-ignorelist=$out/clang-obj/coverage-ignore.txt"
newest_header=$(ls -t "$src"/xenstore/*.h "$src"/lib/*.h "$src"/tests/lib/*.h "$src"/hv/*.h \
	"$src"/sim/*.h | head -n 1)
objs=""
for f in $core; do
	o="$out/clang-obj/$(echo "$f" | tr / _ | sed 's/\.c$/.o/')"
	if [ ! -f "$o" ] || [ "$src/$f" -nt "$o" ] || [ "$newest_header" -nt "$o" ]; then
		echo "  CLANG    $f"
		$cc $fuzz_cflags $cov $pkgc -c "$src/$f" -o "$o"
	fi
	objs="$objs $o"
done

for t in xs-request xs-state; do
	echo "  CLANGLD  fuzz/fuzz-$t"
	$cc $fuzz_cflags -fsanitize=fuzzer $pkgc "$src/fuzz/fuzz-$t.c" $objs $pkgl \
		-o "$out/fuzz-$t"
done
echo "  CLANGLD  fuzz/lu-save-seed"
$cc $fuzz_cflags $pkgc "$src/fuzz/lu-save-seed.c" $objs $pkgl -o "$out/lu-save-seed"
