#!/usr/bin/env bash
# Installs the system programs that the test suite and benchmarks drive for real, when missing:
# redis-server (fleet budgets, the ioredis test of `ferret run`), chromium (the HTML report's
# browser test), wrk (load generator), PostgreSQL and MariaDB (the pg and mysql2 tests of
# `ferret run`, which start throwaway servers of their own).
# Idempotent: does nothing when every program is present. Needs root or password-less sudo.
set -euo pipefail

declare -A package_for=( [redis-server]=redis-server [chromium]=chromium [wrk]=wrk
  [initdb]=postgresql [mariadbd]=mariadb-server )
# Debian installs PostgreSQL's programs off PATH, and mariadbd in /usr/sbin.
found() {
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] ||
    compgen -G "/usr/lib/postgresql/*/bin/$1" >/dev/null
}
missing=()
for program in "${!package_for[@]}"; do
  found "$program" || missing+=("${package_for[$program]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "ferret: the tests need ${missing[*]}; install them (e.g. apt-get install -y ${missing[*]}) and run again" >&2
  exit 1
fi

echo "installing ${missing[*]} (apt-get)"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
