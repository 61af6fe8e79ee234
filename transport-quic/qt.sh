#!/bin/sh
# Runs transport-quic tests inside the reactor so core/testkit come from this worktree, not ~/.m2.
# Usage: ./qt.sh [TestPattern] [more maven args]   (default: every test in dev.tandem.quic)
pattern="${1:-dev.tandem.quic.**}"
[ $# -gt 0 ] && shift
cd "$(dirname "$0")/.." && exec ./mvnw -B -o test -pl core,testkit,transport-quic \
  -Dtest="$pattern" -Dsurefire.failIfNoSpecifiedTests=false "$@"
