# clang.sh: sourced by the fuzzers' build scripts: finds clang (CLANG, else
# clang, else clang-14) as $cc and sets $fuzz_cflags, the flags every target is
# built with (ASan + UBSan; libFuzzer itself is added per target).
cc=${CLANG:-}
if [ -z "$cc" ]; then
	for c in clang clang-14; do
		command -v "$c" >/dev/null 2>&1 && { cc=$c; break; }
	done
fi
if [ -z "$cc" ] || ! command -v "$cc" >/dev/null 2>&1; then
	echo "build.sh: clang not found: apt-get install clang libclang-rt-14-dev" >&2
	exit 1
fi
fuzz_cflags="-std=gnu11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -Wall -Wextra \
-Wno-unused-parameter -fsanitize=address,undefined -fno-sanitize-recover=undefined \
${FUZZ_CFLAGS:-}"
