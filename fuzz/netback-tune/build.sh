#!/bin/sh
# build.sh: builds fuzz-nettune, the libFuzzer target of netback-tune's
# parsers (/proc/net/bonding, /proc/interrupts, CPU lists, a task's parent
# in /proc/PID/stat and status, the last pid of /proc/loadavg, io.conf's net
# keys), with clang (libFuzzer + ASan + UBSan), whatever compiler the tree
# uses.
# Usage: fuzz/netback-tune/build.sh [OUTDIR]   (default: fuzz/netback-tune here)
# Run: OUTDIR/fuzz-nettune -dict=fuzz/netback-tune/nettune.dict \
#          -max_total_time=120 WORKDIR fuzz/netback-tune/corpus
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-fuzz/netback-tune}
mkdir -p "$out"
out=$(cd "$out" && pwd)
. "$src/fuzz/clang.sh"
cflags="$fuzz_cflags -fsanitize=fuzzer $(pkg-config --cflags yajl libnl-3.0)"
echo "  CLANGLD  $out/fuzz-nettune"
nt="$src/netback-tune"
# shellcheck disable=SC2086 # cflags is a list of words
$cc $cflags "$src/fuzz/netback-tune/fuzz-nettune.c" "$nt/sysfile.c" \
	"$nt/bonding.c" "$nt/interrupts.c" "$nt/nethost.c" "$nt/netback.c" "$nt/kthreadcache.c" "$nt/uplink.c" \
	"$nt/show.c" "$nt/policy.c" "$nt/plan.c" "$nt/verify.c" "$nt/route.c" "$nt/linkwatch.c" "$nt/linkdump.c" \
	"$src/lib/cfgfile.c" "$src/lib/strmap.c" "$src/lib/utf8.c" "$src/lib/tuneplan.c" "$src/lib/jsonw.c" "$src/lib/cpuset.c" "$src/lib/procstat.c" "$src/lib/fdio.c" "$src/lib/strv.c" \
	$(pkg-config --libs yajl libnl-3.0) -o "$out/fuzz-nettune"
