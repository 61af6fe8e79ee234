#!/bin/sh
# Runs the transport benchmark from this worktree's build (./qt.sh or mvn test-compile first).
# Usage: ./bench.sh <MiB per run> <runs> [streams] [stream window KiB] [connect samples] [connect warm-up]
#        [progress file or -] [time budget minutes]
here="$(cd "$(dirname "$0")/.." && pwd)"
cp_file=/tmp/tandem-quic-bench-cp.txt
(cd "$here" && ./mvnw -q -B -o dependency:build-classpath -pl transport-quic -Dmdep.outputFile=$cp_file \
  -Dmdep.includeScope=runtime >/dev/null) || exit 1
deps=$(tr ':' '\n' < $cp_file | grep -v 'tandem-core' | tr '\n' ':')
slf=$(ls ~/.m2/repository/org/slf4j/slf4j-simple/*/slf4j-simple-*.jar | head -1)
exec java -Xmx1g $JOPTS -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$here/transport-quic/target/classes:$here/transport-quic/target/test-classes:$here/core/target/classes:$deps$slf" \
  dev.tandem.quic.bench.TransportBenchMain "$@"
