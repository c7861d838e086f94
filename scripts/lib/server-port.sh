# Sourced by the benchmark scripts, not run.

# Prints the port that `ppid serve --listen 127.0.0.1:0` logged in LOG (the
# kernel picks a free one), waiting up to TENTHS tenths of a second. Fails,
# showing the log, if the server PID exits first or never logs it.
#   PORT="$(server_port LOG PID TENTHS)" || exit 1
server_port() {
  local log=$1 pid=$2 tenths=$3 port=""
  for _ in $(seq 1 "$tenths"); do
    port="$(grep -m1 -o 'listen=127\.0\.0\.1:[0-9]*' "$log" | cut -d: -f2 || true)"
    if [[ -n $port ]]; then
      echo "$port"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "the server exited during start-up:" >&2; cat "$log" >&2; return 1
    fi
    sleep 0.1
  done
  echo "the server did not start within $((tenths / 10)) s:" >&2; tail -20 "$log" >&2; return 1
}
