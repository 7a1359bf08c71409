#!/usr/bin/env bash
# Runs its arguments inside a fresh network namespace that has only a loopback interface, so
# nothing the command starts can reach past 127.0.0.1, even by mistake. The real-daemon tier
# needs this: the Pilot daemon's compiled defaults are public hosts (registry, telemetry, feeds).
#
#   bash scripts/run-in-netns.sh npx vitest run --config vitest.daemon.config.ts
#
# Needs the right to create a network namespace: root, or an unprivileged user namespace
# (`unshare -rn`, where the kernel allows it). Fails with a clear message otherwise rather than
# running the command with the machine's real network.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: bash scripts/run-in-netns.sh <command> [args...]" >&2
  exit 2
fi

# Already inside our namespace (nested call): run the command as it is.
if [ "${PILOT_NETNS:-}" = "1" ]; then
  exec "$@"
fi

for tool in unshare ip; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "run-in-netns: '$tool' is not installed (util-linux / iproute2); cannot isolate the network." >&2
    exit 1
  fi
done

# As root a plain new network namespace is enough; otherwise map ourselves to root in a new user
# namespace first (-r), which many kernels allow to ordinary users.
if [ "$(id -u)" -eq 0 ]; then
  unshare_flags=(-n)
else
  unshare_flags=(-r -n)
fi

# The probe runs the same unshare with `true`, so a refusal is reported as such and not mixed up
# with the command's own failure.
if ! probe_error=$(unshare "${unshare_flags[@]}" true 2>&1); then
  echo "run-in-netns: cannot create a network namespace (unshare ${unshare_flags[*]}): ${probe_error}" >&2
  echo "run-in-netns: run as root, or enable unprivileged user namespaces (kernel.unprivileged_userns_clone=1)," >&2
  echo "run-in-netns: or in a container started with --cap-add=SYS_ADMIN (or --privileged)." >&2
  exit 1
fi

# Inside: bring loopback up (a new namespace starts with it down), prove there is no other route,
# then replace the shell with the command so its exit code and signals pass straight through.
exec unshare "${unshare_flags[@]}" env PILOT_NETNS=1 bash -c '
  set -euo pipefail
  ip link set lo up
  if ip -4 route show default | grep -q .; then
    echo "run-in-netns: a default route exists inside the namespace; refusing to run" >&2
    exit 1
  fi
  exec "$@"
' run-in-netns "$@"
