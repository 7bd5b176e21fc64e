#!/usr/bin/env bash
# Installs the Debian 12 packages Sluice builds and tests with, when missing.
# Runs apt-get only if something is absent (so `make run` stays fast).
set -euo pipefail
pkgs=(build-essential cmake pkg-config libmicrohttpd-dev libssl-dev libsqlite3-dev
      liblmdb-dev libisal-dev libsimdjson-dev libpcre2-dev libexpat1-dev
      libjansson-dev)   # jansson: only the JSON baseline in bench/
# `install-deps.sh test`: also what the test suite drives Sluice with
# (Debian's aws CLI 2.9, for tests/conformance/*cli*.test.mjs).
[ "${1:-}" = test ] && pkgs+=(awscli)
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || pkgs+=(npm)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
