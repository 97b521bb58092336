#!/usr/bin/env bash
# scripts/kafka.sh start|stop PORT — a real single-node Kafka broker (KRaft, no container) on
# 127.0.0.1:PORT (its controller on PORT+1). Kafka's jars come from Maven Central through
# scripts/kafka/pom.xml into .cache/kafka/libs (ignored by git). With KAFKA_BROKERS set, it starts
# nothing and that broker is used.
set -euo pipefail
cd "$(dirname "$0")/.."
cmd=${1:-}; port=${2:-}
libs=$PWD/.cache/kafka/libs
source scripts/service.sh
fetch() { fetch_jars kafka.sh scripts/kafka/pom.xml "$libs" 'kafka_2.13-*.jar'; }
if [[ "$cmd" == "fetch" ]]; then fetch; exit 0; fi
if [[ -z "$cmd" || ! "$port" =~ ^[0-9]+$ ]]; then echo "usage: scripts/kafka.sh start|stop PORT | fetch" >&2; exit 2; fi
if [[ -n "${KAFKA_BROKERS:-}" ]]; then echo "kafka.sh: KAFKA_BROKERS=$KAFKA_BROKERS is set: using that broker, starting nothing"; exit 0; fi
dir=${BFG_KAFKA_DIR:-/tmp/bfg-kafka-$port}
up() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
case "$cmd" in
  start)
    command -v java >/dev/null || { echo "kafka.sh: java not found: install a JDK 17 (Debian: openjdk-17-jre-headless)" >&2; exit 2; }
    fetch
    if up; then echo "kafka.sh: port $port already answers; stop it first or pick another port" >&2; exit 2; fi
    mkdir -p "$dir"
    cport=$((port + 1))
    # Kafka's defaults (3 network, 8 I/O threads) suit a dedicated server; on a small machine shared with
    # the gateways and the generator their hand-offs wait for a core: half the cores, Kafka's defaults at most
    half=$(( $(nproc) / 2 )); (( half < 1 )) && half=1
    threads_net=$(( half < 3 ? half : 3 )); threads_io=$(( half < 8 ? half : 8 ))
    cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=8
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
num.network.threads=$threads_net
num.io.threads=$threads_io
PROPS
    if [[ ! -f "$dir/data/meta.properties" ]]; then
      java -cp "$libs/*" kafka.tools.StorageTool format --ignore-formatted -t "$(cat /proc/sys/kernel/random/uuid | tr -d - | head -c 22)" -c "$dir/server.properties" > "$dir/format.log" 2>&1 \
        || { echo "kafka.sh: formatting the storage failed; see $dir/format.log" >&2; exit 1; }
    fi
    nohup java -Xms256m -Xmx512m -XX:+UseSerialGC -cp "$libs/*" kafka.Kafka "$dir/server.properties" > "$dir/kafka.log" 2>&1 &
    echo $! > "$dir/kafka.pid"
    wait_up "kafka.sh: the broker on $port" "$dir/kafka.pid" "$dir/kafka.log" 600
    echo "kafka.sh: broker up on 127.0.0.1:$port" ;;
  stop)
    stop_pid "$dir/kafka.pid"
    [[ "${3:-}" == "--wipe" ]] && rm -rf "$dir"
    echo "kafka.sh: stopped $port" ;;
  *) echo "usage: scripts/kafka.sh start|stop PORT [--wipe]" >&2; exit 2 ;;
esac
