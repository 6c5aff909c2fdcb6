#!/usr/bin/env bash
# Installs what hyperhive needs on a fresh Debian machine with Node 20:
# pnpm, the apt packages (nix-bin, bubblewrap, chromium, git) and the local
# nix flake-registry file; then the workspace's node modules.
# Idempotent: each step is skipped when already satisfied.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v git >/dev/null 2>&1 || need_apt+=(git)
command -v nix >/dev/null 2>&1 || need_apt+=(nix-bin)
command -v bwrap >/dev/null 2>&1 || need_apt+=(bubblewrap)
if [ "${HIVE_SKIP_CHROMIUM:-}" != 1 ] && ! [ -x /usr/bin/chromium ]; then need_apt+=(chromium); fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing apt packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "10.34.9" ]; then
  echo "setup: installing pnpm 10.34.9"
  npm i -g pnpm@10.34.9 >/dev/null
fi

# nix 2.8 crashes on an empty or unreachable global registry: point it at a local file.
registry="${HIVE_NIX_REGISTRY:-$HOME/.config/hyperhive/flake-registry.json}"
if [ ! -f "$registry" ]; then
  mkdir -p "$(dirname "$registry")"
  echo '{"flakes":[],"version":2}' > "$registry"
fi

pnpm install --frozen-lockfile=false
pnpm build
