#!/usr/bin/env bash
# `make fuzz`: builds every fuzz/fuzz_*.c target with clang's libFuzzer and
# ASan+UBSan, then runs each for FUZZ_SECONDS (default 60). Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang >/dev/null || { echo "make fuzz needs clang (apt install clang)"; exit 1; }
SECS=${FUZZ_SECONDS:-60}
out=build-fuzz
mkdir -p "$out"
CFLAGS="-g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -D_GNU_SOURCE -Isrc"
srcs=$(find src -name '*.c' ! -name main.c)
objs=()
for s in $srcs; do
  o="$out/$(echo "$s" | tr / _).o"
  clang -std=c11 $CFLAGS -c "$s" -o "$o"
  objs+=("$o")
done
clang++ -std=c++17 $CFLAGS $(pkg-config --cflags simdjson) -c src/json/json_parse.cc -o "$out/json_parse.o"
objs+=("$out/json_parse.o")
# Models are embedded by the CMake build; reuse its generated file.
[ -f build/models_embed.c ] || { cmake -S . -B build >/dev/null; make -C build sluice_core >/dev/null; }
clang -c build/models_embed.c -o "$out/models_embed.o"
objs+=("$out/models_embed.o")
LIBS="$(pkg-config --libs libmicrohttpd libcrypto sqlite3 libpcre2-8 simdjson expat) -llmdb -lisal -lpthread -lm"
for f in fuzz/fuzz_*.c; do
  name=$(basename "$f" .c)
  clang -std=c11 $CFLAGS -c "$f" -o "$out/$name.o"
  clang++ -fsanitize=fuzzer,address,undefined "$out/$name.o" "${objs[@]}" $LIBS -o "$out/$name"
  mkdir -p "$out/corpus-$name"
  echo "== $name (${SECS}s) =="
  "$out/$name" -max_total_time="$SECS" -print_final_stats=1 "$out/corpus-$name"
done
