# Sourced by the scripts that run a private JVM service (kafka.sh, cassandra.sh): fetch its jars, wait
# for its port, and stop it by its pid file. wait_up needs `up` (true when the port answers) from the caller.

# fetch_jars NAME POM LIBS JAR_GLOB: copies the POM's runtime dependencies from Maven Central into LIBS, once
fetch_jars() {
  local name=$1 pom=$2 libs=$3 glob=$4
  ls "$libs"/$glob >/dev/null 2>&1 && return 0
  command -v mvn >/dev/null || { echo "$name: mvn not found: install Maven to fetch the jars" >&2; exit 2; }
  echo "$name: fetching the jars from Maven Central into $libs"
  mvn -q -f "$pom" dependency:copy-dependencies -DoutputDirectory="$libs" -DincludeScope=runtime
}

# wait_up NAME PIDFILE LOG TENTHS: returns when `up` answers; fails naming LOG when the process exits or time runs out
wait_up() {
  local name=$1 pidfile=$2 log=$3 tenths=$4
  for _ in $(seq 1 "$tenths"); do
    if up; then return 0; fi
    kill -0 "$(cat "$pidfile")" 2>/dev/null || { echo "$name exited; see $log" >&2; exit 1; }
    sleep 0.1
  done
  echo "$name did not answer within $((tenths / 10)) s; see $log" >&2; exit 1
}

# stop_pid PIDFILE: TERM, up to 30 s to exit, then KILL
stop_pid() {
  local pidfile=$1 pid
  [[ -f "$pidfile" ]] || return 0
  pid=$(cat "$pidfile"); kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}
