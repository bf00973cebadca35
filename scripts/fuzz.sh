#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a bounded time.
# usage: scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLSFLOW_FUZZ=ON \
  -DLSFLOW_BUILD_TESTS=OFF -DLSFLOW_BUILD_BENCH=OFF > /dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzz_matpower fuzz_network_yaml fuzz_scenario
work=$(mktemp -d)
trap 'status=$?; if [ $status -ne 0 ]; then echo "fuzz: crash inputs kept in $work"; else rm -rf "$work"; fi' EXIT
run() {   # target, seed dirs...
  local target=$1; shift
  mkdir -p "$work/$target"
  echo "fuzz: $target for ${seconds}s"
  build-fuzz/tests/fuzz/$target -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -print_final_stats=1 -artifact_prefix="$work/" "$work/$target" "$@" 2>&1 | tail -n 12
}
run fuzz_matpower tests/fuzz/seeds/matpower tests/data/matpower
run fuzz_network_yaml tests/data/network networks/langson
run fuzz_scenario tests/data/scenario networks/langson/scenarios
