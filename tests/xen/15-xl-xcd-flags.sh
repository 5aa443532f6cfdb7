#!/bin/bash
# xl and xcd's flags in its save-file header (migrate/README.md, "Compression"): a stream
# whose header has xcd's optional flag (bit 31: an xcd sender asking what the receiver
# reads) is read by xl as ever, the flag ignored; a file with xcd's mandatory flag (bit
# 31: compressed pages, xcd save --compress) is refused by xl at its header, naming the
# flag. The two files are written here (python3): xl's header, a JSON config, libxl's
# header and END; xl fails further on with both, which is not what is checked.
# xen-lab: timeout=150
. "$(dirname "$0")/lib.sh"

start_stock_xenstored c

d=$LAB_RUN/xcd-flags
mkdir -p "$d"
python3 - "$d/asks.save" "$d/compressed.save" <<'PY'
import struct, sys
magic = b"Xen saved domain, xl format\n \0 \r"
cfg = (b'{"c_info":{"type":"pv","name":"xcdflags"},'
       b'"b_info":{"max_vcpus":1,"max_memkb":131072,"target_memkb":131072}}\0')
def write(path, mflags, oflags):
    opt = struct.pack("<I", len(cfg)) + cfg
    h = magic + struct.pack("<IIII", 0x01020304, mflags, oflags, len(opt)) + opt
    h += struct.pack(">QII", 0x4c6962786c466d74, 2, 0)   # libxl's header, version 2
    h += struct.pack("<II", 0, 0)                        # libxl's END
    open(path, "wb").write(h)
write(sys.argv[1], 0x3, 0x80000000)   # JSON | STREAMv2; optional: xcd asks
write(sys.argv[2], 0x80000003, 0)     # mandatory: xcd's compressed pages
PY

step "xl restore of a header with xcd's optional flag"
timed -t 60 xl restore -p "$d/asks.save" >"$d/asks.out" 2>&1
cat "$d/asks.out"
grep -q "new xl fmt info 0x3/0x80000000/" "$d/asks.out" ||
  fail "xl did not read the header with the optional flag 0x80000000"
grep -q "mandatory flag" "$d/asks.out" && fail "xl refused the optional flag as mandatory"
grep -q "Parsing config from <saved>" "$d/asks.out" ||
  fail "xl did not go on past the header to the saved config"
log "xl read past the header, the optional flag ignored"

step "xl restore of a file with xcd's mandatory flag"
timed -t 60 xl restore -p "$d/compressed.save" >"$d/comp.out" 2>&1 && fail "xl restored it"
cat "$d/comp.out"
grep -q "Savefile has mandatory flag(s) 0x80000000 which are not supported" "$d/comp.out" ||
  fail "xl did not refuse the mandatory flag 0x80000000 by name"
grep -q "Parsing config" "$d/comp.out" && fail "xl went on past the mandatory flag"
dom_exists xcdflags && fail "a domain xcdflags is left"
log "xl refused the compressed file at its header"
