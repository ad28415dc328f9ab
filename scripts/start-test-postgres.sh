# Sourced by .ci/run (and usable by developers): starts a throw-away PostgreSQL cluster on
# 127.0.0.1 with password authentication and exports WEERBAAR_TEST_DATABASE_URL for the tests.
# initdb refuses to run as root, so as root the cluster belongs to the `postgres` user.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pg_port=${WEERBAAR_TEST_PG_PORT:-54329}
pg_dir=$(mktemp -d /tmp/weerbaar-pg.XXXXXX)
pg_password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then chown postgres "$pg_dir"; fi
printf '%s\n' "$pg_password" > "$pg_dir.pw"
if [ "$(id -u)" = 0 ]; then chown postgres "$pg_dir.pw"; fi
as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U weerbaar --pwfile="$pg_dir.pw" --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >/dev/null
rm -f "$pg_dir.pw"
as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$pg_port -c unix_socket_directories=$pg_dir -c fsync=off" start >/dev/null
as_pg "$pg_bin/createdb" -h "$pg_dir" -p "$pg_port" -U weerbaar weerbaar_test
export WEERBAAR_TEST_DATABASE_URL="postgres://weerbaar:${pg_password}@127.0.0.1:${pg_port}/weerbaar_test"
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') listening on 127.0.0.1:$pg_port"
stop_test_postgres() { as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$pg_dir"; }
