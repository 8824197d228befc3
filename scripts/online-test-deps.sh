#!/bin/sh
# Installs what tests/online.rs needs: Debian's nix-bin, the real Nix that builds the test
# binary caches. Without it those tests fail (they never skip), so CI runs this first.
# It only checks that the commands exist: running any nix command here, without the
# tests' private NIX_CONF_DIR, would create /nix/store on this machine.
set -eu
if command -v nix-store >/dev/null && command -v nix-build >/dev/null && command -v nix >/dev/null; then
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends nix-bin
