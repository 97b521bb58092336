#!/usr/bin/env bash
# scripts/haproxy.sh start FRONT_PORT BACKEND_PORT... | stop FRONT_PORT — one layer-4 (TCP) HAProxy
# front on 127.0.0.1:FRONT_PORT before gateway nodes on 127.0.0.1:BACKEND_PORT..., from Debian's
# haproxy: `balance leastconn`, a health check of each node's GET /health every second (a node that
# drains closes its port, and one whose store or bus is down answers 503: either leaves the rotation),
# a connection refused by a node sent to another, and the PROXY protocol v2 towards the nodes (start
# them with `bfg serve --proxy-protocol`), so their per-IP caps and logs see the client's address.
# Its config, pid and log live in $BFG_HAPROXY_DIR (default /tmp/bfg-haproxy-FRONT_PORT). start
# returns when the front accepts connections. Never touches a front it did not start.
set -euo pipefail
cmd=${1:-}; front=${2:-}
usage="usage: scripts/haproxy.sh start FRONT_PORT BACKEND_PORT... | stop FRONT_PORT"
if [[ -z "$cmd" || ! "$front" =~ ^[0-9]+$ ]] || (( front < 1 || front > 65535 )); then echo "$usage" >&2; exit 2; fi
dir=${BFG_HAPROXY_DIR:-/tmp/bfg-haproxy-$front}
case "$cmd" in
  start)
    shift 2
    (( $# >= 1 )) || { echo "$usage" >&2; exit 2; }
    command -v haproxy >/dev/null || { echo "haproxy.sh: haproxy not found: run scripts/setup.sh (installs Debian's haproxy)" >&2; exit 2; }
    if (exec 3<>"/dev/tcp/127.0.0.1/$front") 2>/dev/null; then echo "haproxy.sh: port $front already answers; stop it first or pick another FRONT_PORT" >&2; exit 2; fi
    mkdir -p "$dir"
    {
      echo "global"
      # each proxied connection holds two descriptors: fit the open-file limit, which cannot be raised here
      echo "  maxconn $(( ($(ulimit -n) - 100) / 2 ))"
      echo "  pidfile $dir/haproxy.pid"
      echo "  stats socket $dir/admin.sock mode 600 level admin"
      echo "defaults"
      echo "  mode tcp"
      echo "  timeout connect 2s"
      # WebSocket connections live long: the gateway's own heartbeats keep them, not HAProxy's timers
      echo "  timeout client 1h"
      echo "  timeout server 1h"
      echo "  timeout check 2s"
      echo "  retries 2"
      echo "  option redispatch"
      echo "frontend bfg_front"
      echo "  bind 127.0.0.1:$front"
      echo "  default_backend bfg_nodes"
      echo "backend bfg_nodes"
      echo "  balance leastconn"
      echo "  option httpchk GET /health"
      echo "  http-check expect status 200"
      i=0
      for p in "$@"; do
        [[ "$p" =~ ^[0-9]+$ ]] || { echo "haproxy.sh: backend port '$p' is not a number" >&2; exit 2; }
        i=$((i + 1))
        echo "  server node$i 127.0.0.1:$p check inter 1s fall 2 rise 2 send-proxy-v2 check-send-proxy"
      done
    } > "$dir/haproxy.cfg"
    haproxy -c -q -f "$dir/haproxy.cfg" || { echo "haproxy.sh: the generated config is refused (see above): $dir/haproxy.cfg" >&2; exit 1; }
    haproxy -D -f "$dir/haproxy.cfg" 2> "$dir/haproxy.log"
    for _ in $(seq 1 50); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$front") 2>/dev/null; then
        echo "haproxy.sh: front tcp://127.0.0.1:$front -> nodes on $* (leastconn, /health checks, PROXY v2; config $dir/haproxy.cfg)"
        exit 0
      fi
      sleep 0.1
    done
    echo "haproxy.sh: the front did not open; see $dir/haproxy.log" >&2; exit 1 ;;
  stop)
    if [[ -f "$dir/haproxy.pid" ]]; then kill "$(cat "$dir/haproxy.pid")" 2>/dev/null || true; rm -f "$dir/haproxy.pid"; fi
    echo "haproxy.sh: stopped the front on $front" ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
