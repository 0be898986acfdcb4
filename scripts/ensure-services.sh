#!/usr/bin/env bash
# Make sure the services the tests need are installed and running on this machine:
# PostgreSQL 15 with PostGIS (Debian packages), listening on 127.0.0.1:5432 with trust auth for local tests.
# Idempotent: on a machine where they already run, it only checks.
set -euo pipefail

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
need_apt=()
command -v pg_ctlcluster >/dev/null 2>&1 || need_apt+=(postgresql postgresql-contrib)
[ -f /usr/share/postgresql/15/extension/postgis.control ] || need_apt+=(postgresql-15-postgis-3)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  version=$(ls /etc/postgresql | sort -n | tail -1)
  conf=/etc/postgresql/$version/main
  # Local test clusters only: trust on loopback, as the CI machine provides.
  if ! grep -q "incheon-tests" "$conf/pg_hba.conf" 2>/dev/null; then
    $SUDO sed -i '1i host all all 127.0.0.1/32 trust # incheon-tests\nhost all all ::1/128 trust # incheon-tests\nlocal all all trust # incheon-tests' "$conf/pg_hba.conf"
  fi
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 50); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 0.2; done
fi
pg_isready -h 127.0.0.1 -p 5432
psql -h 127.0.0.1 -U postgres -d postgres -Atc "SELECT 'postgres ' || version()" | cut -c1-40
