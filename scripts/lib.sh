# Shared by scripts/test, scripts/demo and scripts/bench: the emulator's virtualenv, the emulator
# itself, PostgreSQL and MariaDB. Source it; it defines functions and changes nothing by itself.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
RUN_DIR="$ROOT/.run"
MOTO_VERSION="5.2.5"
# py_webauthn, which verifies the emulator's passkey ceremonies; it brings cbor2 and cryptography,
# which the software authenticator of scripts/emulator_tests/test_passkeys.py uses.
WEBAUTHN_VERSION="3.0.1"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The Cognito emulator's virtualenv, pinned; rebuilt when moto's pin changes. Each pin has its
# stamp file: a .venv made before a pin was added (or changed) gets that package added in place.
ensure_venv() {
    local stamp="$VENV/.moto-$MOTO_VERSION" webauthn="$VENV/.webauthn-$WEBAUTHN_VERSION"
    if [ ! -f "$stamp" ]; then
        command -v python3 >/dev/null || die "python3 is needed for the Cognito emulator (apt-get install python3 python3-venv)"
        say "installing the Cognito emulator (moto[server]==$MOTO_VERSION, webauthn==$WEBAUTHN_VERSION) into .venv"
        rm -rf "$VENV"
        python3 -m venv "$VENV" || die "python3 -m venv failed (apt-get install python3-venv)"
        "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" "webauthn==$WEBAUTHN_VERSION" \
            || die "pip could not install moto[server]==$MOTO_VERSION and webauthn==$WEBAUTHN_VERSION"
        touch "$stamp" "$webauthn"
    fi
    [ -f "$webauthn" ] && return 0
    say "adding webauthn==$WEBAUTHN_VERSION (the emulator's passkeys) to .venv"
    rm -f "$VENV"/.webauthn-*
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "webauthn==$WEBAUTHN_VERSION" \
        || die "pip could not install webauthn==$WEBAUTHN_VERSION into .venv"
    touch "$webauthn"
}

# Starts the emulator on a free loopback port; sets EMULATOR_URL and EMULATOR_PID.
start_emulator() {
    ensure_venv
    mkdir -p "$RUN_DIR"
    local port_file="$RUN_DIR/emulator.$$.url"
    rm -f "$port_file"
    PYTHONPATH="$ROOT/scripts" "$VENV/bin/python" -m cognito_emulator --port 0 --port-file "$port_file" \
        >"$RUN_DIR/emulator.$$.log" 2>&1 &
    EMULATOR_PID=$!
    for _ in $(seq 1 150); do
        [ -s "$port_file" ] && break
        kill -0 "$EMULATOR_PID" 2>/dev/null || { cat "$RUN_DIR/emulator.$$.log" >&2; die "the Cognito emulator did not start"; }
        sleep 0.1
    done
    [ -s "$port_file" ] || die "the Cognito emulator did not report its port"
    EMULATOR_URL="$(cat "$port_file")"
    rm -f "$port_file"
    say "Cognito emulator at $EMULATOR_URL (log: .run/emulator.$$.log)"
}

stop_emulator() {
    if [ -n "${EMULATOR_PID:-}" ]; then
        kill "$EMULATOR_PID" 2>/dev/null || true
        wait "$EMULATOR_PID" 2>/dev/null || true
    fi
    EMULATOR_PID=
}

# ensure_tool COMMAND: installs the Debian package of that name when the command is missing
# (as root, with apt-get), or stops with what to install.
ensure_tool() {
    command -v "$1" >/dev/null && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "installing $1 from Debian's packages"
        apt-get update -qq >/dev/null 2>&1 || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null 2>&1 || die "apt-get could not install $1"
    else
        die "$1 is needed (apt-get install $1)"
    fi
}

# A free loopback TCP port.
free_port() { "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# stop_sites: stops the sites start_site started, then the emulator (a script's EXIT trap).
stop_sites() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    PIDS=()
    stop_emulator
}

# start_site NAME ROCKET_COGNITO DIR [PREFIX...]: the example site's release build with the bench
# routes, on a free port, its SQLite file and log in DIR, run under PREFIX (e.g. valgrind) when
# given; ROCKET_SECRET_KEY comes from SECRET_KEY. Sets SITE_PORT and SITE_PID once it answers, and
# adds the pid to PIDS at once (the caller's cleanup stops those, a site that never answered too).
start_site() {
    local name=$1 cognito=$2 dir=$3 port
    shift 3
    port=$(free_port)
    rm -f "$dir/$name.sqlite"*
    ROCKET_SECRET_KEY="$SECRET_KEY" ROCKET_COGNITO="$cognito" ROCKET_PORT=$port ROCKET_LOG_LEVEL=critical \
        ROCKET_CDU='{bench_routes=true}' ROCKET_DATABASES="{users={url=\"sqlite://$dir/$name.sqlite\"}}" \
        "$@" "$ROOT/target/release/examples/cdu" >"$dir/$name.log" 2>&1 &
    SITE_PID=$!
    SITE_PORT=$port
    PIDS+=("$SITE_PID")
    # Two minutes at most: under valgrind the site starts some fifty times slower.
    for _ in $(seq 1 600); do
        curl -fs "http://127.0.0.1:$port/bench/bare" >/dev/null 2>&1 && return 0
        kill -0 "$SITE_PID" 2>/dev/null || break
        sleep 0.2
    done
    cat "$dir/$name.log" >&2
    die "the $name site did not start"
}

# site_cookie PORT FILE: signs demo in on a site that start_site started, prints its Cookie
# header. The release build keeps the production default, Secure cookies named
# __Host-cognito_...: they are read from the Set-Cookie headers (kept in FILE), since curl's jar
# would not keep Secure cookies sent over http.
site_cookie() {
    curl -fs -D "$2" -o /dev/null "http://127.0.0.1:$1/bench/login" -d username=demo --data-urlencode 'password=Demo-Passw0rd!' \
        || die "the demo user's sign-in on port $1 failed"
    tr -d '\r' <"$2" | awk -F'[:;] *' 'tolower($1) == "set-cookie" && $2 ~ /^(__Host-)?cognito_/ {printf "%s%s", sep, $2; sep="; "}'
}

# Makes sure a PostgreSQL server answers on 127.0.0.1:5432, starting or installing one if it can.
# Sets PG_URL (a server URL without a database) on success; returns 1 otherwise.
ensure_postgres() {
    local host=127.0.0.1 port=5432
    PG_URL="${ROCKET_WARRANT_TEST_PG:-postgres://postgres@$host:$port}"
    pg_up() { command -v pg_isready >/dev/null && pg_isready -q -h "$host" -p "$port"; }
    if ! pg_up; then
        if ls /etc/postgresql/*/main >/dev/null 2>&1; then
            say "starting PostgreSQL"
            pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start >/dev/null 2>&1 || true
        elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            say "installing PostgreSQL from Debian's packages"
            apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null 2>&1 || true
            local v; v="$(ls /etc/postgresql 2>/dev/null | head -1)"
            if [ -n "$v" ]; then
                sed -i 's/^\(host.*127.0.0.1\/32\s*\)\S*$/\1trust/; s/^\(local\s*all\s*all\s*\)\S*$/\1trust/' "/etc/postgresql/$v/main/pg_hba.conf"
                pg_ctlcluster --skip-systemctl-redirect "$v" main start >/dev/null 2>&1 || true
            fi
        fi
        for _ in $(seq 1 50); do pg_up && break; sleep 0.2; done
    fi
    pg_up
}

# Makes sure a MySQL-compatible server (MariaDB) answers on 127.0.0.1:3306 for root without a
# password, starting or installing one if it can. Sets MYSQL_URL (a server URL without a
# database) on success; returns 1 otherwise.
ensure_mysql() {
    local host=127.0.0.1 port=3306
    MYSQL_URL="${ROCKET_WARRANT_TEST_MYSQL:-mysql://root@$host:$port}"
    # A query, not a ping: a ping succeeds even when the login is refused.
    my_up() { command -v mariadb >/dev/null && mariadb --protocol=tcp -h "$host" -P "$port" -uroot -e 'SELECT 1' >/dev/null 2>&1; }
    my_up && return 0
    if ! command -v mariadbd >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "installing MariaDB from Debian's packages"
        apt-get update -qq >/dev/null 2>&1
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server >/dev/null 2>&1 || true
    fi
    command -v mariadbd >/dev/null || return 1
    if ! mariadb-admin --protocol=tcp -h "$host" -P "$port" ping >/dev/null 2>&1; then
        say "starting MariaDB"
        service mariadb start >/dev/null 2>&1 || /etc/init.d/mariadb start >/dev/null 2>&1 || true
        for _ in $(seq 1 100); do mariadb-admin --protocol=tcp -h "$host" -P "$port" ping >/dev/null 2>&1 && break; sleep 0.2; done
    fi
    if ! my_up && [ "$(id -u)" = 0 ]; then
        # Debian's root logs in by the Unix socket only: let it in over TCP without a password,
        # as the tests (and the machines this project runs on) expect.
        mariadb -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket; FLUSH PRIVILEGES;" >/dev/null 2>&1 || true
    fi
    my_up
}
