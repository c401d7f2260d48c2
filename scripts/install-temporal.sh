#!/usr/bin/env bash
# Installs the pinned Temporal CLI (dev server + Web UI) and tctl with `go install`,
# cached per machine so a second run is instant. Prints the directory holding the binaries.
set -euo pipefail

TEMPORAL_CLI_VERSION="${TEMPORAL_CLI_VERSION:-v1.5.1}"
TCTL_VERSION="${TCTL_VERSION:-v1.18.4}"
CACHE_DIR="${HOOKLINE_CACHE_DIR:-$HOME/.cache/hookline}"
BIN_DIR="$CACHE_DIR/temporal-$TEMPORAL_CLI_VERSION-tctl-$TCTL_VERSION/bin"

install_module() {
  local name="$1" module="$2"
  if [ -x "$BIN_DIR/$name" ]; then return 0; fi
  if ! command -v go >/dev/null 2>&1; then
    echo "install-temporal: Go is not installed; put '$name' on PATH or set TEMPORAL_CLI_PATH" >&2
    return 1
  fi
  echo "install-temporal: go install $module" >&2
  mkdir -p "$BIN_DIR"
  GOBIN="$BIN_DIR" GOFLAGS="-trimpath" go install "$module"
}

install_module temporal "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
# tctl is the older CLI, optional: some module proxies do not serve it.
if [ "${HOOKLINE_SKIP_TCTL:-}" != "1" ] && [ ! -e "$CACHE_DIR/tctl-unavailable-$TCTL_VERSION" ]; then
  if ! install_module tctl "github.com/temporalio/tctl/cmd/tctl@$TCTL_VERSION"; then
    echo "install-temporal: tctl $TCTL_VERSION could not be installed; continuing without it" >&2
    touch "$CACHE_DIR/tctl-unavailable-$TCTL_VERSION"
  fi
fi
echo "$BIN_DIR"
