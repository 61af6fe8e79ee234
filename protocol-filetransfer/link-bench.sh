#!/usr/bin/env bash
# Runs `tandem bench transfer` once per link rate, inside a private network namespace whose loopback is held to that
# rate by a token bucket (tc tbf). The raw stream, TLS/TCP and the transfer of each run all cross the same link, so
# the ratios say up to which link rate a transfer keeps pace with the raw stream on this machine: below it the link is
# the limit, above it the CPUs (unshaped loopback on a small machine is the CPU-bound case; the bench's "CPU-bound
# ceiling" line says how far a transfer can get there).
# Needs root (ip netns, tc). The namespace is removed on exit; nothing else on the machine is touched.
# Usage: protocol-filetransfer/link-bench.sh [rates, default "1gbit 2500mbit"] [bench options, default
#        "--transport both --size 256MiB --runs 3"]
# e.g.   protocol-filetransfer/link-bench.sh "100mbit 1gbit" "--transport netty --size 512MiB --runs 3"
set -euo pipefail
rates="${1:-1gbit 2500mbit}"
bench_opts="${2:---transport both --size 256MiB --runs 3}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ "$(id -u)" = 0 ] || { echo "link-bench: needs root (ip netns, tc)" >&2; exit 2; }
command -v ip >/dev/null && command -v tc >/dev/null || { echo "link-bench: needs iproute2 (ip, tc)" >&2; exit 2; }
ns="tandem-link-$$"
# The files go beside the build, on the project's disk: /tmp may be tmpfs, which a transfer writes to up to 1.3x faster.
mkdir -p "$root/protocol-filetransfer/target"
work="$(mktemp -d "$root/protocol-filetransfer/target/link-bench.XXXXXX")"
cleanup() {
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
ip netns add "$ns"
ip netns exec "$ns" ip link set lo up

bits_per_second() { # 100mbit, 2.5gbit, 2500mbit, 800kbit -> bits per second
  awk -v r="$1" 'BEGIN {
    n = r + 0; u = tolower(substr(r, length(n "") + 1))
    m = (u == "kbit") ? 1e3 : (u == "mbit") ? 1e6 : (u == "gbit") ? 1e9 : (u == "bit") ? 1 : -1
    if (n <= 0 || m < 0) { exit 1 }
    printf "%.0f\n", n * m }' || { echo "link-bench: rate '$1' is not <number>kbit|mbit|gbit" >&2; exit 2; }
}

# Build once if needed (the tandem launcher would otherwise build inside the first timed run); as whoever runs this,
# so building it first as yourself (./mvnw -q install -DskipTests -pl cli -am) keeps root out of target/.
"$root/tandem" --version > /dev/null
for rate in $rates; do
  bps="$(bits_per_second "$rate")"
  # The bucket holds 10 ms at the rate, and at least two full loopback frames (64 KiB and headers): tbf drops a packet
  # larger than its bucket.
  burst=$(( bps / 8 / 100 > 131072 ? bps / 8 / 100 : 131072 ))
  ip netns exec "$ns" tc qdisc replace dev lo root tbf rate "$rate" burst "$burst" latency 20ms
  echo "== link $rate (tbf burst $burst bytes) =="
  set -f # bench options are split on spaces, never expanded as file names
  # shellcheck disable=SC2086
  ip netns exec "$ns" "$root/tandem" bench transfer $bench_opts --work-dir "$work" 2>&1 \
      | grep -v "MacAddressUtil" || { echo "link-bench: the bench failed at $rate" >&2; exit 1; }
  set +f
done
