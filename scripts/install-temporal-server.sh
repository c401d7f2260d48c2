#!/usr/bin/env bash
# Installs the pinned Temporal server and its SQL schema tool with `go install`, and keeps the
# server's PostgreSQL schema files beside them, cached per machine so a second run is instant.
# Prints the directory holding bin/server, bin/sql and schema/postgresql/v12.
set -euo pipefail

TEMPORAL_SERVER_VERSION="${TEMPORAL_SERVER_VERSION:-v1.29.1}"
CACHE_DIR="${HOOKLINE_CACHE_DIR:-$HOME/.cache/hookline}"
DIR="$CACHE_DIR/temporal-server-$TEMPORAL_SERVER_VERSION"
MODULE="go.temporal.io/server"

if ! command -v go >/dev/null 2>&1 && [ ! -x "$DIR/bin/server" ]; then
  echo "install-temporal-server: Go is not installed (https://go.dev/dl/)" >&2
  exit 1
fi
mkdir -p "$DIR/bin"
for tool in server tools/sql; do
  name="$(basename "$tool")"
  if [ ! -x "$DIR/bin/$name" ]; then
    echo "install-temporal-server: go install $MODULE/cmd/$tool@$TEMPORAL_SERVER_VERSION" >&2
    GOBIN="$DIR/bin" GOFLAGS="-trimpath" go install "$MODULE/cmd/$tool@$TEMPORAL_SERVER_VERSION"
  fi
done
if [ ! -d "$DIR/schema/postgresql/v12" ]; then
  src="$(go env GOMODCACHE)/$MODULE@$TEMPORAL_SERVER_VERSION/schema/postgresql/v12"
  [ -d "$src" ] || (cd "$DIR" && GOFLAGS=-mod=mod go mod download "$MODULE@$TEMPORAL_SERVER_VERSION" >/dev/null)
  mkdir -p "$DIR/schema/postgresql"
  cp -R "$src" "$DIR/schema/postgresql/v12"
  chmod -R u+w "$DIR/schema"
fi
echo "$DIR"
