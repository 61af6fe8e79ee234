#!/usr/bin/env bash
# Measures scp and a Tandem file transfer over the Netty transport side by side on loopback, alternating, so both
# see the same machine. Starts a private sshd on 127.0.0.1 with throwaway keys in a temporary directory (needs
# openssh-server and openssh-client installed; nothing outside that directory is touched) and stops it at the end.
# Usage: transport-quic-netty/scp-compare.sh [size in MiB, default 512] [rounds, default 3] [Tandem warm-up, default 256MiB]
# The warm-up is what each fresh Tandem process moves, untimed, before its timed transfer: 256MiB is close to a
# one-off `tandem send`; 2GiB stands for a long-running `tandem up`, whose JIT has compiled the data path.
set -euo pipefail
size_mib="${1:-512}"
rounds="${2:-3}"
warmup="${3:-256MiB}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sshd="$(command -v sshd || echo /usr/sbin/sshd)"
sftp_server="$( (ls /usr/lib/openssh/sftp-server /usr/libexec/openssh/sftp-server /usr/libexec/sftp-server 2>/dev/null || true) | head -1)"
[ -x "$sshd" ] && [ -n "$sftp_server" ] || { echo "scp-compare: needs openssh-server (sshd, sftp-server)" >&2; exit 2; }
work="$(mktemp -d)"
port="${SCP_COMPARE_PORT:-22222}"
cleanup() {
  [ -f "$work/sshd.pid" ] && kill "$(cat "$work/sshd.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
ssh-keygen -q -t ed25519 -N "" -f "$work/host_key"
ssh-keygen -q -t ed25519 -N "" -f "$work/user_key"
cp "$work/user_key.pub" "$work/authorized_keys"
cat > "$work/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $work/host_key
AuthorizedKeysFile $work/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
StrictModes no
UsePAM no
PidFile $work/sshd.pid
Subsystem sftp $sftp_server
CONF
mkdir -p /run/sshd 2>/dev/null || true
"$sshd" -f "$work/sshd_config"
head -c "$((size_mib << 20))" /dev/urandom > "$work/file.bin"
mkdir "$work/dst"

# Every timed step starts after `sync`, so none pays for flushing what an earlier one wrote. Tandem forces a received
# file to disk before it reports the transfer done (nothing unverified or unwritten may carry the final name); scp
# does not, so its time is also given with the copy forced to disk afterwards ("then fsync").
scp_once() { # cipher option (may be empty) -> "MB/s MB/s-then-fsync"
  rm -f "$work/dst/file.bin"
  sync
  local t0 t1 t2
  t0=$(date +%s%N)
  scp -q -P "$port" -i "$work/user_key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
      -o BatchMode=yes $1 "$work/file.bin" "$(id -un)@127.0.0.1:$work/dst/file.bin"
  t1=$(date +%s%N)
  sync "$work/dst/file.bin"
  t2=$(date +%s%N)
  cmp -s "$work/file.bin" "$work/dst/file.bin" || { echo "scp-compare: scp copy differs" >&2; exit 1; }
  awk -v b="$((size_mib << 20))" -v n1="$((t1 - t0))" -v n2="$((t2 - t0))" \
      'BEGIN { printf "%.1f %.1f\n", b / (n1 / 1e9) / 1e6, b / (n2 / 1e9) / 1e6 }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: > "$work/scp_default"; : > "$work/scp_fsync"; : > "$work/scp_gcm"; : > "$work/tandem"
for r in $(seq "$rounds"); do
  out=$(scp_once "")
  read -r plain durable <<< "$out"
  echo "$plain" >> "$work/scp_default"; echo "$durable" >> "$work/scp_fsync"
  scp_once "-c aes128-gcm@openssh.com" | cut -d' ' -f1 >> "$work/scp_gcm"
  sync
  "$root/tandem" bench transfer --transport netty --runs 1 --size "${size_mib}MiB" --warmup "$warmup" --no-baselines --json \
    | tr ',' '\n' | sed -n 's/.*"medianMBps":\([0-9.]*\).*/\1/p' | head -1 | awk '{ printf "%.1f\n", $1 }' \
    >> "$work/tandem"
done
d=$(median < "$work/scp_default"); f=$(median < "$work/scp_fsync"); g=$(median < "$work/scp_gcm")
t=$(median < "$work/tandem")
echo "scp (default cipher) MB/s: $(tr '\n' ' ' < "$work/scp_default")-> median $d"
echo "  same, then fsync   MB/s: $(tr '\n' ' ' < "$work/scp_fsync")-> median $f"
echo "scp (aes128-gcm)     MB/s: $(tr '\n' ' ' < "$work/scp_gcm")-> median $g"
echo "tandem over netty    MB/s (after $warmup warm-up): $(tr '\n' ' ' < "$work/tandem")-> median $t"
awk -v t="$t" -v d="$d" -v f="$f" -v g="$g" 'BEGIN { printf "tandem/scp: %.2fx (default cipher), %.2fx (then fsync), %.2fx (aes128-gcm)\n", t / d, t / f, t / g }'
