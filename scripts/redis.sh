#!/usr/bin/env bash
# scripts/redis.sh start|stop PORT — a private redis-server on 127.0.0.1:PORT for tests and demos,
# with no disk persistence (pass --persist to keep an append-only file). Never touches a Redis it
# did not start.
set -euo pipefail
cmd=${1:-}; port=${2:-}
if [[ -z "$cmd" || ! "$port" =~ ^[0-9]+$ ]]; then echo "usage: scripts/redis.sh start|stop PORT [--persist]" >&2; exit 2; fi
dir=${BFG_REDIS_DIR:-/tmp/bfg-redis-$port}
case "$cmd" in
  start)
    command -v redis-server >/dev/null || { echo "redis.sh: redis-server not found: run scripts/setup.sh (installs Debian's redis-server)" >&2; exit 2; }
    if redis-cli -p "$port" ping >/dev/null 2>&1; then echo "redis.sh: port $port already answers; stop it first or pick another port" >&2; exit 2; fi
    mkdir -p "$dir"
    persist=(--save "" --appendonly no); [[ "${3:-}" == "--persist" ]] && persist=(--appendonly yes)
    redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --dir "$dir" --pidfile "$dir/redis.pid" \
      --logfile "$dir/redis.log" "${persist[@]}" >/dev/null
    for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && { echo "redis.sh: started on 127.0.0.1:$port"; exit 0; }; sleep 0.05; done
    echo "redis.sh: redis-server did not answer on $port; see $dir/redis.log" >&2; exit 1 ;;
  stop)
    if [[ -f "$dir/redis.pid" ]]; then
      pid=$(cat "$dir/redis.pid"); kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
      rm -f "$dir/redis.pid"
    fi
    echo "redis.sh: stopped $port" ;;
  *) echo "usage: scripts/redis.sh start|stop PORT [--persist]" >&2; exit 2 ;;
esac
