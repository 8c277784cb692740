# Sourced by bin/train-local, bin/flink, bin/local-s3, bin/local-cluster and bench/lib.sh: what their
# JVMs share. Sets HERE (the repository root); defines JVM_FLAGS_COMMON, native_memory_flags and
# require_built. The surefire argLine in pom.xml restates NATIVE_MAXBYTES and NATIVE_MAXPHYSICALBYTES.
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Flink's Java 17 flags (the file Flink's own scripts' flags were copied into), no AWS SDK v1 banner, and
# headless AWT (curves.png is drawn without a display).
JVM_FLAGS_COMMON=(@"$HERE/conf/jvm-opens.args" -Daws.java.v1.disableDeprecationAnnouncement=true -Djava.awt.headless=true)

# ND4J keeps activations off-heap (JavaCPP): allow it well beyond the heap. maxbytes caps JavaCPP's
# own allocations, maxphysicalbytes the whole process (heap included); 20g leaves 4 GB of a 24 GB
# machine to everything else. One JVM training on the machine alone gets these.
NATIVE_MAXBYTES=12g
NATIVE_MAXPHYSICALBYTES=20g

# native_memory_flags [MAXBYTES MAXPHYSICALBYTES]: the JavaCPP limits, these defaults unless given.
native_memory_flags() {
  echo "-Dorg.bytedeco.javacpp.maxbytes=${1:-$NATIVE_MAXBYTES} -Dorg.bytedeco.javacpp.maxphysicalbytes=${2:-$NATIVE_MAXPHYSICALBYTES}"
}

# require_built PATH...: exits 2 naming the first PATH (file or directory) the build has not written.
require_built() {
  local path
  for path in "$@"; do
    if [ ! -e "$path" ]; then
      echo "error: $path is missing; build it first with: mvn -q -DskipTests package" >&2
      exit 2
    fi
  done
}
