#!/bin/sh
# build.sh: builds fuzz-xcdd-rpc, the libFuzzer target of xcdd's methods
# (xcd/rpc_domain.c with the domain manager, the xl.cfg parser and the
# journal, over the fuzzer's fake hypervisor), with clang (libFuzzer + ASan +
# UBSan), whatever compiler the tree uses.
# Usage: fuzz/xcdd-rpc/build.sh [OUTDIR]   (default: fuzz/xcdd-rpc in the current dir)
# Environment: CLANG (default: clang, else clang-14), FUZZ_CFLAGS (extra flags).
# Run: OUTDIR/fuzz-xcdd-rpc -dict=fuzz/xcdd-rpc/xcdd-rpc.dict -max_total_time=120 \
#        WORKDIR fuzz/xcdd-rpc/corpus
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-fuzz/xcdd-rpc}
mkdir -p "$out"
out=$(cd "$out" && pwd)
. "$src/fuzz/clang.sh"
cflags="$fuzz_cflags -fsanitize=fuzzer -pthread $(pkg-config --cflags yajl xenstore libnl-route-3.0 gnutls)"
echo "  CLANGLD  $out/fuzz-xcdd-rpc"
# shellcheck disable=SC2086 # cflags is a list of words
$cc $cflags "$src/fuzz/xcdd-rpc/fuzz-xcdd-rpc.c" \
	"$src/xcd/rpc_domain.c" "$src/xcd/rpc_save.c" "$src/xcd/rpc_migrate.c" "$src/xcd/rpc_migrate_tcp.c" "$src/xcd/mig_link.c" "$src"/xcd/dm/*.c "$src"/migrate/*.c "$src/xcd/rpc_json.c" "$src/xcd/xlfmt.c" \
	"$src/xcd/journal.c" "$src/lib/cfgfile.c" "$src/lib/uuid.c" "$src/lib/fdio.c" "$src/xcd/disk.c" "$src/xcd/vif.c" \
	"$src/xcd/domcfg.c" "$src/xcd/domcfg_keys.c" "$src/xcd/domcfg_json.c" "$src/xcd/domcfg_libxl.c" "$src/xcd/domcfg_honour.c" "$src/lib/jsondepth.c" "$src/xcd/cpulist.c" "$src/xcd/json_fields.c" "$src/hv/hv.c" "$src/hv/cpufeat.c" \
	"$src/xcd/actions.c" "$src/xcd/devid.c" "$src/xcd/xs_txn.c" "$src/xcd/xs_domain.c" \
	"$src/xcd/devices.c" "$src/xcd/hotplug.c" "$src/xcd/devjob.c" "$src/lib/loop.c" \
	"$src/lib/jsonrpc.c" "$src/lib/peercred.c" "$src/lib/strmap.c" "$src/lib/log.c" \
	"$src/lib/utf8.c" "$src/lib/jsonw.c" "$src/xcd/domname.c" "$src/xcd/cfgload.c" "$src/tests/lib/hv_fake.c" \
	"$src/xcd/rpc_tune.c" "$src/xcd/tune_run.c" "$src/xcd/tune_live.c" "$src/lib/childjob.c" \
	"$src/xcd/rpc_tune_apply.c" "$src/xcd/tune_apply.c" \
	"$src"/netback-tune/*.c "$src"/blkback/*.c "$src/lib/tuneplan.c" "$src/lib/cpuset.c" "$src/lib/procstat.c" \
	"$src/lib/tunejournal.c" "$src/lib/tuneapply.c" "$src/lib/runcmd.c" "$src/lib/strv.c" "$src/lib/caps.c" \
	$(pkg-config --libs yajl xenstore libnl-route-3.0 gnutls libzstd liblz4) -o "$out/fuzz-xcdd-rpc"
