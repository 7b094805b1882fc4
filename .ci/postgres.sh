# Sourced by .ci/run (and usable by hand: `. .ci/postgres.sh && start_test_postgres`).
# Starts a throwaway PostgreSQL cluster for the tests: initdb in a temp folder, a free loopback port,
# trust authentication on 127.0.0.1 only, fsync off (the data is thrown away). Exports
# CRYPTORUN_TEST_POSTGRES=postgres://cryptorun@127.0.0.1:PORT/cryptorun_test for the test run.
# stop_test_postgres stops the cluster and removes the folder; .ci/run calls it from its EXIT trap.
# If CRYPTORUN_TEST_POSTGRES is already set, the given server is used and nothing is started.

_pg_dir=""
_pg_bin=""
_pg_run=()

_find_pg_bin() {
    local dir
    if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
        _pg_bin="$(pg_config --bindir)"
        return 0
    fi
    # Debian keeps the server binaries out of PATH, one folder per major version: take the newest.
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
        if [ -x "$dir/initdb" ]; then
            _pg_bin="$dir"
            return 0
        fi
    done
    return 1
}

_free_port() {
    local port
    for port in $(seq 55432 55532); do
        # Nothing answers on the port: bash's /dev/tcp connect fails.
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

start_test_postgres() {
    if [ -n "${CRYPTORUN_TEST_POSTGRES:-}" ]; then
        echo "PostgreSQL: using the server in CRYPTORUN_TEST_POSTGRES"
        return 0
    fi

    if ! _find_pg_bin; then
        echo "PostgreSQL: not installed; installing it (apt-get install -y postgresql)"
        if ! { DEBIAN_FRONTEND=noninteractive timeout 300 apt-get update -qq >/dev/null &&
               DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq postgresql >/dev/null; } 2>&1 || ! _find_pg_bin; then
            echo "PostgreSQL: could not be installed; its tests will be reported as skipped"
            return 1
        fi
    fi

    # initdb refuses to run as root: run the cluster as the postgres user (created by the package),
    # or as a system user made for the purpose.
    _pg_run=()
    if [ "$(id -u)" -eq 0 ]; then
        local user=postgres
        if ! id -u "$user" >/dev/null 2>&1; then
            user=cryptorun-pg
            id -u "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
        fi
        _pg_run=(runuser -u "$user" --)
    fi

    local port
    if ! port="$(_free_port)"; then
        echo "PostgreSQL: no free loopback port in 55432-55532; its tests will be reported as skipped"
        return 1
    fi

    _pg_dir="$(mktemp -d /tmp/cryptorun-pg.XXXXXX)"
    chmod 700 "$_pg_dir"
    if [ "${#_pg_run[@]}" -gt 0 ]; then
        chown "${_pg_run[2]}" "$_pg_dir"
    fi

    if ! "${_pg_run[@]}" "$_pg_bin/initdb" -D "$_pg_dir/data" -U cryptorun -A trust -E UTF8 --locale=C --no-sync >"$_pg_dir/initdb.log" 2>&1; then
        echo "PostgreSQL: initdb failed; its tests will be reported as skipped"
        cat "$_pg_dir/initdb.log"
        stop_test_postgres
        return 1
    fi

    # Listen on loopback only; the Unix socket goes in the temp folder, not /var/run.
    if ! "${_pg_run[@]}" "$_pg_bin/pg_ctl" -D "$_pg_dir/data" -l "$_pg_dir/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $_pg_dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
            start >/dev/null; then
        echo "PostgreSQL: the server did not start; its tests will be reported as skipped"
        cat "$_pg_dir/server.log"
        stop_test_postgres
        return 1
    fi

    if ! "$_pg_bin/createdb" -h 127.0.0.1 -p "$port" -U cryptorun cryptorun_test; then
        echo "PostgreSQL: createdb failed; its tests will be reported as skipped"
        stop_test_postgres
        return 1
    fi

    export CRYPTORUN_TEST_POSTGRES="postgres://cryptorun@127.0.0.1:$port/cryptorun_test"
    echo "PostgreSQL: $("$_pg_bin/postgres" --version) on 127.0.0.1:$port (cluster in $_pg_dir)"
}

stop_test_postgres() {
    if [ -n "$_pg_dir" ]; then
        if [ -f "$_pg_dir/data/postmaster.pid" ]; then
            "${_pg_run[@]}" "$_pg_bin/pg_ctl" -D "$_pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true
        fi
        rm -rf "$_pg_dir"
        _pg_dir=""
    fi
}
