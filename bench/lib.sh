# Sourced by the bench/*.sh scripts: paths, the Java launcher for benchmark mains, and the PyTorch peer.
# Build first: mvn -q -B -DskipTests package (it writes bench/target/classpath.txt).
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RESULTS="${BENCH_RESULTS:-$HERE/bench/results}"
mkdir -p "$RESULTS"
[ -f "$HERE/bench/target/classpath.txt" ] || { echo "bench: build first: mvn -q -B -DskipTests package" >&2; exit 2; }
# Debian's python3 (with python3-torch), not pyenv's, which comes first on PATH.
export FLINK_CONF_DIR="${FLINK_CONF_DIR:-$HERE/conf}"
PEER_PYTHON="${PEER_PYTHON:-/usr/bin/python3}"

# bench_java MAIN_CLASS ARGS...: a benchmark main on the bench module's classpath, with Flink's Java 17 flags.
bench_java() {
  local main="$1"; shift
  java ${BENCH_JAVA_OPTS:--Xmx6g -Dorg.bytedeco.javacpp.maxbytes=16g -Dorg.bytedeco.javacpp.maxphysicalbytes=22g} \
    @"$HERE/conf/jvm-opens.args" -Daws.java.v1.disableDeprecationAnnouncement=true \
    -Dlog4j.configurationFile="$HERE/conf/log4j2.properties" \
    -cp "$HERE/bench/target/classes:$(cat "$HERE/bench/target/classpath.txt")" "$main" "$@"
}
