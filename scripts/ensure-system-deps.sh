#!/usr/bin/env bash
# System packages the test suite needs: a PostgreSQL server (the tests start their own on
# loopback) and Chromium + ChromeDriver (the dashboard's browser test). Installed with apt-get when missing and we are root on Debian; otherwise we say
# what is missing and the PostgreSQL tests fail in CI (they are never silently skipped there).
set -euo pipefail
need=()
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && ! command -v pg_ctl >/dev/null; then
  need+=(postgresql)
fi
# Debian's Chromium and ChromeDriver for the dashboard's browser test (no browser download).
if [ ! -x /usr/bin/chromium ]; then need+=(chromium); fi
if [ ! -x /usr/bin/chromedriver ]; then need+=(chromium-driver); fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "> installing system packages: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "warning: missing system packages: ${need[*]} (install them, or set PLANNER_TEST_POSTGRES_URL for PostgreSQL)" >&2
fi
