#!/usr/bin/env bash
# Installs what the toolkit needs on a fresh machine (Debian, Node 20+), then builds it.
set -euo pipefail
cd "$(dirname "$0")/.."
need_node=20
have=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$have" -lt "$need_node" ]; then
  echo "setup: Node.js $need_node or newer is required (found: ${have}); install it from your distribution or nodejs.org" >&2
  exit 2
fi
# npm ci installs exactly the locked versions; no package here downloads a binary at install time
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
echo "setup: done (node $(node --version))"
