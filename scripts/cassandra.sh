#!/usr/bin/env bash
# scripts/cassandra.sh start|stop PORT | fetch — a real single-node Apache Cassandra 5.0 (no container)
# answering CQL on 127.0.0.1:PORT, its storage (gossip) port on PORT+1. Cassandra's jars come from Maven
# Central through scripts/cassandra/pom.xml into .cache/cassandra/libs (ignored by git); the daemon runs
# with a generated cassandra.yaml on private ports and the Java 17 flags of Cassandra's own
# conf/jvm17-server.options. `start` returns when CQL answers. With CASSANDRA_HOSTS set, it starts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
cmd=${1:-}; port=${2:-}
libs=$PWD/.cache/cassandra/libs
source scripts/service.sh
fetch() { fetch_jars cassandra.sh scripts/cassandra/pom.xml "$libs" 'cassandra-all-*.jar'; }
if [[ "$cmd" == "fetch" ]]; then fetch; exit 0; fi
if [[ -z "$cmd" || ! "$port" =~ ^[0-9]+$ ]]; then echo "usage: scripts/cassandra.sh start|stop PORT [--wipe] | fetch" >&2; exit 2; fi
if [[ -n "${CASSANDRA_HOSTS:-}" ]]; then echo "cassandra.sh: CASSANDRA_HOSTS=$CASSANDRA_HOSTS is set: using that cluster, starting nothing"; exit 0; fi
dir=${BFG_CASSANDRA_DIR:-/tmp/bfg-cassandra-$port}
up() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
case "$cmd" in
  start)
    command -v java >/dev/null || { echo "cassandra.sh: java not found: install a JDK 17 (Debian: openjdk-17-jre-headless)" >&2; exit 2; }
    fetch
    if up; then echo "cassandra.sh: port $port already answers; stop it first or pick another port" >&2; exit 2; fi
    mkdir -p "$dir"/{data,commitlog,saved_caches,hints,cdc_raw}
    cat > "$dir/cassandra.yaml" <<YAML
cluster_name: bfg-$port
num_tokens: 1
initial_token: 0
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "127.0.0.1:$((port + 1))"
listen_address: 127.0.0.1
rpc_address: 127.0.0.1
storage_port: $((port + 1))
native_transport_port: $port
start_native_transport: true
data_file_directories: [$dir/data]
commitlog_directory: $dir/commitlog
saved_caches_directory: $dir/saved_caches
hints_directory: $dir/hints
cdc_raw_directory: $dir/cdc_raw
commitlog_sync: periodic
commitlog_sync_period: 10000ms
commitlog_segment_size: 32MiB
authenticator: AllowAllAuthenticator
authorizer: AllowAllAuthorizer
concurrent_reads: 8
concurrent_writes: 8
concurrent_counter_writes: 8
disk_failure_policy: stop
commit_failure_policy: stop
YAML
    cat > "$dir/logback.xml" <<XML
<configuration>
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>$dir/system.log</file>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="FILE" /></root>
</configuration>
XML
    # Cassandra's conf/jvm17-server.options (its JPMS flags), a 1 GiB heap, and a single node that does
    # not wait for a ring to settle
    jvm17=(-Djdk.attach.allowAttachSelf=true
      --add-exports java.base/jdk.internal.misc=ALL-UNNAMED --add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED
      --add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED --add-exports java.rmi/sun.rmi.server=ALL-UNNAMED
      --add-exports java.sql/java.sql=ALL-UNNAMED --add-exports java.base/java.lang.ref=ALL-UNNAMED
      --add-exports jdk.unsupported/sun.misc=ALL-UNNAMED --add-exports jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
      --add-exports jdk.attach/sun.tools.attach=ALL-UNNAMED
      --add-opens java.base/java.lang.module=ALL-UNNAMED --add-opens java.base/jdk.internal.loader=ALL-UNNAMED
      --add-opens java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/jdk.internal.reflect=ALL-UNNAMED
      --add-opens java.base/jdk.internal.math=ALL-UNNAMED --add-opens java.base/jdk.internal.module=ALL-UNNAMED
      --add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED
      --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/java.io=ALL-UNNAMED
      --add-opens java.base/java.lang.reflect=ALL-UNNAMED --add-opens jdk.compiler/com.sun.tools.javac=ALL-UNNAMED
      --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/java.util=ALL-UNNAMED
      -Dio.netty.tryReflectionSetAccessible=true -Dio.netty.allocator.useCacheForAllThreads=true -Dio.netty.allocator.maxOrder=11)
    nohup java -Xms1g -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=300 -Xss512k "${jvm17[@]}" \
      -Dcassandra.config="file://$dir/cassandra.yaml" -Dcassandra.storagedir="$dir" -Dcassandra-foreground=yes \
      -Dlogback.configurationFile="$dir/logback.xml" -Dcassandra.logdir="$dir" \
      -Dcassandra.skip_wait_for_gossip_to_settle=0 -Dcassandra.ring_delay_ms=100 -Dcassandra.superuser_setup_delay_ms=0 \
      -Dcassandra.jmx.local.port=$((port + 2)) \
      -cp "$libs/*" org.apache.cassandra.service.CassandraDaemon > "$dir/cassandra.out" 2>&1 &
    echo $! > "$dir/cassandra.pid"
    wait_up "cassandra.sh: Cassandra on $port" "$dir/cassandra.pid" "$dir/system.log and $dir/cassandra.out" 1800
    echo "cassandra.sh: CQL up on 127.0.0.1:$port" ;;
  stop)
    stop_pid "$dir/cassandra.pid"
    [[ "${3:-}" == "--wipe" ]] && rm -rf "$dir"
    echo "cassandra.sh: stopped $port" ;;
  *) echo "usage: scripts/cassandra.sh start|stop PORT [--wipe] | fetch" >&2; exit 2 ;;
esac
