#!/usr/bin/env bash
# Installs what `npm start` and `npm test` need: npm packages, Debian's postgresql and
# redis-server when a private instance is needed and they are missing, and (for tests) chromium.
# Usage: ensure-deps.sh [start|test]
set -euo pipefail
mode=${1:-start}
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ] || { [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  echo "basalt: installing npm packages…" >&2
  # The committed lock is complete (every platform's optional packages), so install exactly it.
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error >&2
  else npm install --no-audit --no-fund --loglevel=error >&2; fi
fi

if [ "$mode" = test ]; then db_url=${TEST_DATABASE_URL:-}; redis_url=${TEST_REDIS_URL:-}; vars="TEST_DATABASE_URL / TEST_REDIS_URL"
else db_url=${DATABASE_URL:-}; redis_url=${REDIS_URL:-}; vars="DATABASE_URL / REDIS_URL"; fi

have_pg() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v pg_ctl >/dev/null 2>&1; }
have_redis() { command -v redis-server >/dev/null 2>&1 || [ -x /usr/sbin/redis-server ]; }

# Debian packages, installed with apt-get as root, or through sudo otherwise.
apt_install() {
  local sudo=()
  if [ "$(id -u)" != 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "basalt: missing $*. Install them as root (apt-get install $*)${need_services:+, or set $vars}." >&2
      exit 1
    fi
    sudo=(sudo)
  fi
  echo "basalt: installing $* with apt-get…" >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  # policy-rc.d keeps Debian from starting system-wide services we do not use.
  local made_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then "${sudo[@]}" sh -c "printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d"; made_policy=1; fi
  local ok=0
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2 || ok=$?
  # An if, not `[ … ] && rm`: as the function's last command that would exit 1 under set -e.
  if [ -n "$made_policy" ]; then "${sudo[@]}" rm -f /usr/sbin/policy-rc.d; fi
  if [ "$ok" != 0 ]; then echo "basalt: apt-get could not install $*" >&2; exit 1; fi
}

pkgs=()
[ -z "$db_url" ] && ! have_pg && pkgs+=(postgresql)
[ -z "$redis_url" ] && ! have_redis && pkgs+=(redis-server)
# The browser checks (test/ops/*browser*.test.ts) drive Debian's Chromium; a browser is never downloaded.
need_services=${pkgs[*]:-}
# Fonts, so that screenshots show text (chromium only recommends them).
if [ "$mode" = test ] && [ -z "${CHROMIUM_PATH:-}" ] && [ ! -x /usr/bin/chromium ]; then pkgs+=(chromium fonts-liberation); fi
# test/unit/crypto-js-aes.test.ts checks our AES against openssl's own command.
if [ "$mode" = test ] && ! command -v openssl >/dev/null 2>&1; then pkgs+=(openssl); fi
if [ ${#pkgs[@]} -gt 0 ]; then apt_install "${pkgs[@]}"; fi

# SQL exports run pg_dump and pg_restore of the server's major version (src/workers/schema-dump.ts).
# A server given by DATABASE_URL may be another major than any installed here: as root, try to
# install its client. Never fatal: without it only SQL exports fail, naming the package.
if [ "$mode" = start ] && [ -n "$db_url" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  major=$(DATABASE_URL="$db_url" node -e '
    const pg = require("pg"); const c = new pg.Client({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 5000 });
    c.connect().then(() => c.query("SHOW server_version_num")).then((r) => { console.log(Math.floor(r.rows[0].server_version_num / 10000)); return c.end(); }).catch(() => process.exit(0));' 2>/dev/null || true)
  if [ -n "$major" ] && [ -z "${PG_BIN_DIR:-}" ] && [ ! -x "/usr/lib/postgresql/$major/bin/pg_dump" ]; then
    echo "basalt: installing postgresql-client-$major for SQL exports…" >&2
    if ! { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "postgresql-client-$major" >&2 2>/dev/null \
        || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "postgresql-client-$major" >&2; }; }; then
      echo "basalt: postgresql-client-$major is not in this system's package sources; SQL exports will fail until pg_dump $major is installed (or PG_BIN_DIR is set)." >&2
    fi
  fi
fi

# The data API's application/geo+json uses PostGIS when present; its tests need it on the private
# test server (test/fixtures/16_rest_media.sql creates the extension). As root, install it for the
# newest local major, as local-services.ts picks it. Never fatal here: the test names the package.
if [ "$mode" = test ] && [ -z "$db_url" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  major=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
  if [ -n "$major" ] && [ ! -f "/usr/share/postgresql/$major/extension/postgis.control" ]; then
    echo "basalt: installing postgresql-$major-postgis-3 for the application/geo+json tests…" >&2
    if ! { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "postgresql-$major-postgis-3" >&2 2>/dev/null \
        || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "postgresql-$major-postgis-3" >&2; }; }; then
      echo "basalt: postgresql-$major-postgis-3 could not be installed; the application/geo+json tests will fail." >&2
    fi
  fi
fi
