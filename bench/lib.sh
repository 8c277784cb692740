# Sourced by the bench/*.sh scripts: paths, the Java launcher for benchmark mains, and the PyTorch peer.
# Build first: mvn -q -B -DskipTests package (it writes bench/target/classpath.txt).
source "$(dirname "${BASH_SOURCE[0]}")/../bin/lib.sh"
RESULTS="${BENCH_RESULTS:-$HERE/bench/results}"
mkdir -p "$RESULTS"
require_built "$HERE/bench/target/classpath.txt"
# Debian's python3 (with python3-torch), not pyenv's, which comes first on PATH.
export FLINK_CONF_DIR="${FLINK_CONF_DIR:-$HERE/conf}"
PEER_PYTHON="${PEER_PYTHON:-/usr/bin/python3}"

# bench_java MAIN_CLASS ARGS...: a benchmark main on the bench module's classpath, with Flink's Java 17
# flags. BENCH_JAVA_OPTS replaces the heap and the native-memory limits (bin/lib.sh) together.
bench_java() {
  local main="$1"; shift
  # shellcheck disable=SC2046
  java ${BENCH_JAVA_OPTS:--Xmx6g $(native_memory_flags)} \
    "${JVM_FLAGS_COMMON[@]}" \
    -Dlog4j.configurationFile="$HERE/conf/log4j2.properties" \
    -cp "$HERE/bench/target/classes:$(cat "$HERE/bench/target/classpath.txt")" "$main" "$@"
}
