# Shared settings for the scripts in script/. Source it; do not run it.
# Every value can be overridden from the environment (see README, "Configuration").
set -euo pipefail

ANIMUS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ANIMUS_LOCAL="${ANIMUS_LOCAL:-$ANIMUS_ROOT/.local}"       # git-ignored: cluster, caches, build trees
ANIMUS_VENV="${ANIMUS_VENV:-$ANIMUS_ROOT/.venv}"
ANIMUS_PGDATA="${ANIMUS_PGDATA:-$ANIMUS_LOCAL/pgdata}"
ANIMUS_PGPORT_DEFAULT=55432
ANIMUS_PGDATABASE="${ANIMUS_PGDATABASE:-animus}"
ANIMUS_PGUSER="${ANIMUS_PGUSER:-postgres}"
ANIMUS_EMBEDDING_DIM="${ANIMUS_EMBEDDING_DIM:-384}"
PGMQ_PYPI_VERSION="${PGMQ_PYPI_VERSION:-1.1.4}"

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
# die MESSAGE [EXIT_CODE]: the code is the exit status, not part of the message.
die() { printf '\033[1;31merror:\033[0m %s\n' "$1" >&2; exit "${2:-1}"; }

# The port the cluster itself names: the running postmaster's (postmaster.pid, line 4), else
# the one script/db start wrote into postgresql.conf. Empty when neither says.
animus_cluster_port() {
    local pidfile="$ANIMUS_PGDATA/postmaster.pid" conf="$ANIMUS_PGDATA/postgresql.conf" pid port
    if [ -r "$pidfile" ]; then
        pid="$(sed -n 1p "$pidfile")"; port="$(sed -n 4p "$pidfile")"
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ -n "$port" ]; then
            printf 'running %s' "$port"; return
        fi
    fi
    if [ -r "$conf" ]; then
        port="$(sed -n 's/^[[:space:]]*port[[:space:]]*=[[:space:]]*\([0-9][0-9]*\).*/\1/p' "$conf" | tail -n 1)"
        [ -n "$port" ] && printf 'configured %s' "$port"
    fi
    return 0
}

# ANIMUS_PGPORT: a running cluster's own port wins (a stale or missing variable must not send
# clients elsewhere); then the variable; then the port the cluster was last started on; then
# the default. ANIMUS_PGPORT_REQUESTED keeps what the caller asked for, for script/db start.
ANIMUS_PGPORT_REQUESTED="${ANIMUS_PGPORT:-}"
animus_resolve_port() {
    local found state port
    found="$(animus_cluster_port)"; state="${found%% *}"; port="${found#* }"
    if [ "$state" = running ]; then
        if [ -n "$ANIMUS_PGPORT_REQUESTED" ] && [ "$ANIMUS_PGPORT_REQUESTED" != "$port" ]; then
            log "the cluster runs on port $port, not ANIMUS_PGPORT=$ANIMUS_PGPORT_REQUESTED; using $port"
        fi
        ANIMUS_PGPORT="$port"
    elif [ -n "$ANIMUS_PGPORT_REQUESTED" ]; then
        ANIMUS_PGPORT="$ANIMUS_PGPORT_REQUESTED"
    elif [ "$state" = configured ]; then
        ANIMUS_PGPORT="$port"
    else
        ANIMUS_PGPORT="$ANIMUS_PGPORT_DEFAULT"
    fi
}
animus_resolve_port

# Unix sockets have a path limit of about 107 bytes; fall back to /tmp for deep checkouts.
animus_socket_dir() {
    local dir="$ANIMUS_LOCAL/run"
    if [ "${#dir}" -gt 80 ]; then
        dir="/tmp/animus-$(printf '%s' "$ANIMUS_ROOT" | md5sum | cut -c1-10)"
    fi
    printf '%s' "${ANIMUS_SOCKET_DIR:-$dir}"
}

# The PostgreSQL major version: the one the cluster was created with, else an explicit
# ANIMUS_PG_MAJOR, else the newest installed server that has the pgvector extension.
animus_pg_major() {
    if [ -f "$ANIMUS_PGDATA/PG_VERSION" ]; then cat "$ANIMUS_PGDATA/PG_VERSION"; return; fi
    if [ -n "${ANIMUS_PG_MAJOR:-}" ]; then printf '%s' "$ANIMUS_PG_MAJOR"; return; fi
    local v best=""
    for v in $(ls /usr/lib/postgresql 2>/dev/null | sort -n); do
        [ -x "/usr/lib/postgresql/$v/bin/postgres" ] || continue
        [ -f "/usr/share/postgresql/$v/extension/vector.control" ] && best="$v"
    done
    [ -n "$best" ] || die "no PostgreSQL server with pgvector found; run script/setup first"
    printf '%s' "$best"
}

animus_pg_bin() { printf '/usr/lib/postgresql/%s/bin' "$(animus_pg_major)"; }

# The OS user the cluster runs as: initdb refuses root, so root hands it to `postgres`.
animus_pg_os_user() {
    if [ "$(id -u)" -eq 0 ]; then printf '%s' "${ANIMUS_PG_OS_USER:-postgres}"; else id -un; fi
}

# Run a command as the cluster's OS user.
as_pg_user() {
    local user; user="$(animus_pg_os_user)"
    if [ "$(id -un)" = "$user" ]; then "$@"; else runuser -u "$user" -- "$@"; fi
}

# libpq environment for psql, sqitch and pg_prove against the embedded cluster.
animus_export_pgenv() {
    export PGHOST; PGHOST="$(animus_socket_dir)"
    export PGPORT="$ANIMUS_PGPORT"
    export PGUSER="$ANIMUS_PGUSER"
    export PGDATABASE="${PGDATABASE:-$ANIMUS_PGDATABASE}"
}

animus_url() {
    local db="${1:-$ANIMUS_PGDATABASE}"
    printf 'postgresql://%s@/%s?host=%s&port=%s' "$ANIMUS_PGUSER" "$db" "$(animus_socket_dir)" "$ANIMUS_PGPORT"
}
