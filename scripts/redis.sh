#!/usr/bin/env bash
# scripts/redis.sh start|stop|kill PORT [--everysec|--ephemeral] — a private redis-server on 127.0.0.1:PORT
# for tests and demos. It persists by default: an append-only file fsynced before Redis answers
# (appendfsync always), so a Redis killed (kill -9) and restarted on the same PORT keeps every acked
# message. --everysec fsyncs once a second: faster, and a graceful restart keeps everything, but a crash
# while a slow fsync holds writes back loses up to ~2 s of acks (Redis postpones the write, not the
# reply). --ephemeral keeps nothing on disk (the gateway then refuses it unless given
# --ack-without-persistence).
# Data lives in $BFG_REDIS_DIR (default /tmp/bfg-redis-PORT). Never touches a Redis it did not start.
set -euo pipefail
cmd=${1:-}; port=${2:-}
usage="usage: scripts/redis.sh start|stop|kill PORT [--everysec|--ephemeral]"
if [[ -z "$cmd" || ! "$port" =~ ^[0-9]+$ ]]; then echo "$usage" >&2; exit 2; fi
dir=${BFG_REDIS_DIR:-/tmp/bfg-redis-$port}
case "$cmd" in
  start)
    command -v redis-server >/dev/null || { echo "redis.sh: redis-server not found: run scripts/setup.sh (installs Debian's redis-server)" >&2; exit 2; }
    if redis-cli -p "$port" ping >/dev/null 2>&1; then echo "redis.sh: port $port already answers; stop it first or pick another port" >&2; exit 2; fi
    mkdir -p "$dir"
    case "${3:-}" in
      "") persist=(--appendonly yes --appendfsync always --save "") ;;
      --everysec) persist=(--appendonly yes --appendfsync everysec --save "") ;;
      --ephemeral) persist=(--appendonly no --save "") ;;
      *) echo "redis.sh: unknown option ${3}; $usage" >&2; exit 2 ;;
    esac
    redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --dir "$dir" --pidfile "$dir/redis.pid" \
      --logfile "$dir/redis.log" "${persist[@]}" >/dev/null
    # with an append-only file, a restart answers only after the file is loaded
    for _ in $(seq 1 200); do [[ "$(redis-cli -p "$port" ping 2>/dev/null)" == PONG ]] && { echo "redis.sh: started on 127.0.0.1:$port (${3:-persistent: appendonly yes, appendfsync always} in $dir)"; exit 0; }; sleep 0.05; done
    echo "redis.sh: redis-server did not answer on $port; see $dir/redis.log" >&2; exit 1 ;;
  stop)
    if [[ -f "$dir/redis.pid" ]]; then
      pid=$(cat "$dir/redis.pid"); kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
      rm -f "$dir/redis.pid"
    fi
    echo "redis.sh: stopped $port" ;;
  kill)
    # SIGKILL, as a crash would: for durability tests
    if [[ -f "$dir/redis.pid" ]]; then
      pid=$(cat "$dir/redis.pid"); kill -9 "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
      rm -f "$dir/redis.pid"
    fi
    echo "redis.sh: killed $port" ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
