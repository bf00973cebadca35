#!/usr/bin/env bash
# Installs what lsflow needs to build, test and benchmark on Debian 12, from Debian's packages only.
# (chromium: the browser test loads the HTML reports in it, headless.)
set -euo pipefail
packages=(
  cmake ninja-build g++ pkg-config python3
  libeigen3-dev libsuitesparse-dev libboost-graph-dev
  libspdlog-dev libfmt-dev libyaml-cpp-dev nlohmann-json3-dev libtbb-dev libcli11-dev
  catch2 libbenchmark-dev
  chromium fonts-dejavu-core
  clang libclang-rt-14-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
