#!/usr/bin/env bash
# Starts a throwaway PostgreSQL from Debian's packages: initdb in a temporary folder as an unprivileged user
# (initdb refuses root), on a free port, trust auth on loopback only; synchronous_commit on (the default).
# Prints `export LIENTHONG_TEST_POSTGRES=postgres://…` and `export PG_THROWAWAY_DIR=…`; stop with
#   sudo -u "$PG_USER" pg_ctl -D "$PG_THROWAWAY_DIR/data" stop   (or just let the machine go).
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
user=${PG_USER:-lienthong-pg}
id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
dir=$(mktemp -d /tmp/lienthong-pg.XXXXXX)
chown "$user" "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
runas() { if command -v runuser >/dev/null; then runuser -u "$user" -- "$@"; else su -s /bin/sh "$user" -c "$(printf '%q ' "$@")"; fi; }
runas "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
runas "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=on -c synchronous_commit=on" start >/dev/null
runas "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres lienthong
echo "export LIENTHONG_TEST_POSTGRES=postgres://postgres@127.0.0.1:$port/lienthong"
echo "export PG_THROWAWAY_DIR=$dir"
echo "export PG_BIN=$bin"
