#!/usr/bin/env bash
# scripts/rabbitmq.sh start|stop PORT — a private RabbitMQ node from Debian's rabbitmq-server, for tests
# and demos, on loopback only: AMQP on PORT, its Erlang distribution on PORT+1 (never the machine's own
# node on 5672 and 25672), Web-STOMP on PORT+2 (path /ws) and Web-MQTT on PORT+3 (path /ws). Its own
# node name (bfgPORT@localhost), config, plugins file and data directory ($BFG_RABBITMQ_DIR, default
# /tmp/bfg-rabbitmq-PORT, owned by the rabbitmq user, which the server runs as). start returns when the
# node has booted (about 15 s here). Never touches a node it did not start.
set -euo pipefail
cmd=${1:-}; port=${2:-}
usage="usage: scripts/rabbitmq.sh start|stop PORT   (uses PORT..PORT+3)"
if [[ -z "$cmd" || ! "$port" =~ ^[0-9]+$ ]] || (( port < 1024 || port > 65532 )); then echo "$usage" >&2; exit 2; fi
dir=${BFG_RABBITMQ_DIR:-/tmp/bfg-rabbitmq-$port}
node="bfg$port@localhost"
as_rabbit=(runuser -u rabbitmq --)
[[ "$(id -u)" -ne 0 ]] && as_rabbit=()
ctl() { "${as_rabbit[@]}" env HOME=/var/lib/rabbitmq RABBITMQ_NODENAME="$node" rabbitmqctl -n "$node" "$@"; }
case "$cmd" in
  start)
    command -v rabbitmq-server >/dev/null || { echo "rabbitmq.sh: rabbitmq-server not found: run scripts/setup.sh (installs Debian's rabbitmq-server)" >&2; exit 2; }
    for p in "$port" $((port + 1)) $((port + 2)) $((port + 3)); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "rabbitmq.sh: port $p already answers; stop it first or pick another PORT" >&2; exit 2; fi
    done
    mkdir -p "$dir/mnesia" "$dir/log"
    cat > "$dir/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$port
loopback_users = none
web_stomp.tcp.ip = 127.0.0.1
web_stomp.tcp.port = $((port + 2))
web_mqtt.tcp.ip = 127.0.0.1
web_mqtt.tcp.port = $((port + 3))
stomp.listeners.tcp = none
mqtt.listeners.tcp = none
CONF
    echo '[rabbitmq_web_stomp,rabbitmq_web_mqtt].' > "$dir/enabled_plugins"
    [[ "$(id -u)" -eq 0 ]] && chown -R rabbitmq:rabbitmq "$dir"
    "${as_rabbit[@]}" env HOME=/var/lib/rabbitmq RABBITMQ_NODENAME="$node" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$port" \
      RABBITMQ_DIST_PORT=$((port + 1)) RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" \
      RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" RABBITMQ_PID_FILE="$dir/rabbitmq.pid" \
      RABBITMQ_SERVER_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
      nohup rabbitmq-server > "$dir/log/console.log" 2>&1 &
    # await_startup fails at once until the node has registered its name: ask again until it boots
    for _ in $(seq 1 90); do
      if ctl --timeout 90 await_startup >/dev/null 2>&1; then ok=1; break; fi
      sleep 1
    done
    if [[ -n "${ok:-}" ]]; then
      echo "rabbitmq.sh: node $node started: amqp://127.0.0.1:$port, web-stomp ws://127.0.0.1:$((port + 2))/ws, web-mqtt ws://127.0.0.1:$((port + 3))/ws (data in $dir)"
      exit 0
    fi
    echo "rabbitmq.sh: the node did not boot; see $dir/log/console.log" >&2; exit 1 ;;
  stop)
    ctl stop >/dev/null 2>&1 || true
    echo "rabbitmq.sh: stopped $node" ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
