#!/usr/bin/env bash
# A private Docker engine for the *E2E tests (Testcontainers) on machines where nothing starts one:
# dockerd with its own data-root, exec-root and socket under a cache directory outside the repository.
# It changes nothing global except what dockerd itself must (ip_forward, the iptables FORWARD policy,
# docker0 and its DOCKER chains); `stop` restores those to what `ensure` recorded before the start.
# Callers use the socket it prints: eval "$(hack/docker.sh ensure)" exports DOCKER_HOST.
set -euo pipefail

STATE="${APQN_DOCKER_DIR:-$HOME/.cache/apqn-operator/docker}"
SOCK="$STATE/docker.sock"
PIDFILE="$STATE/dockerd.pid"
BEFORE="$STATE/host-before.env"
LOGFILE="$STATE/dockerd.log"

log() { printf 'docker: %s\n' "$*" >&2; }
die() {
  printf 'docker: ERROR: %s\n' "$*" >&2
  exit 1
}

usage() {
  cat <<EOF
Usage: hack/docker.sh <command>

Commands:
  ensure   install docker.io from Debian if dockerd is missing, start dockerd on $SOCK unless it
           already answers, wait until it does; prints 'export DOCKER_HOST=unix://$SOCK' on stdout
  stop     stop that dockerd (by its pid) and undo its host changes: ip_forward, FORWARD policy,
           docker0/br-* bridges, DOCKER iptables chains
  status   exit 0 if the private dockerd answers
  env      print the export line without starting anything
  host     print the DOCKER_HOST value without starting anything
State (data-root, exec-root, socket, log): \${APQN_DOCKER_DIR:-\$HOME/.cache/apqn-operator/docker}, now $STATE
EOF
}

answers() { DOCKER_HOST="unix://$SOCK" docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

install_engine() {
  command -v dockerd >/dev/null 2>&1 && command -v docker >/dev/null 2>&1 && return 0
  [[ "$(id -u)" == 0 ]] || die "dockerd is not installed and installing docker.io needs root"
  log "installing docker.io from Debian (apt-get)"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o DPkg::Lock::Timeout=300 docker.io >/dev/null
  command -v dockerd >/dev/null 2>&1 || die "docker.io installed but dockerd is not on PATH"
}

# The host values dockerd changes, recorded once before our dockerd first starts (kept across
# restarts so a crash in between does not make dockerd's values look like the host's).
record_host_state() {
  [[ -f "$BEFORE" ]] && return 0
  local policy=ACCEPT had_docker0=no
  if command -v iptables >/dev/null 2>&1; then
    policy="$(iptables -S FORWARD 2>/dev/null | awk '$1 == "-P" { print $3; exit }')"
  fi
  ip link show docker0 >/dev/null 2>&1 && had_docker0=yes
  {
    echo "IP_FORWARD=$(cat /proc/sys/net/ipv4/ip_forward)"
    echo "FORWARD_POLICY=${policy:-ACCEPT}"
    echo "HAD_DOCKER0=$had_docker0"
    echo "BRIDGES_BEFORE='$(ip -o link show type bridge 2>/dev/null | awk -F': ' '{ print $2 }' | tr '\n' ' ')'"
  } >"$BEFORE"
}

cmd_ensure() {
  mkdir -p "$STATE"
  install_engine
  if answers; then
    log "dockerd already answers on $SOCK"
    echo "export DOCKER_HOST=unix://$SOCK"
    return 0
  fi
  record_host_state
  rm -f "$SOCK"
  log "starting dockerd (data-root $STATE/data, log $LOGFILE)"
  # setsid: not part of the caller's process group, so a Ctrl-C in make does not kill it half-way;
  # `stop` ends it by its pid.
  setsid dockerd --data-root "$STATE/data" --exec-root "$STATE/exec" --pidfile "$PIDFILE" \
    -H "unix://$SOCK" --storage-driver overlay2 >"$LOGFILE" 2>&1 </dev/null &
  local i
  for ((i = 0; i < 120; i++)); do
    if answers; then
      log "dockerd $(DOCKER_HOST="unix://$SOCK" docker version --format '{{.Server.Version}}') answers on $SOCK"
      echo "export DOCKER_HOST=unix://$SOCK"
      return 0
    fi
    sleep 0.5
  done
  tail -n 20 "$LOGFILE" >&2
  die "dockerd did not answer within 60s (log: $LOGFILE)"
}

# Deletes every rule outside the DOCKER* chains that jumps to one or names a docker bridge, then the
# DOCKER* chains themselves.
remove_docker_iptables() {
  command -v iptables >/dev/null 2>&1 || return 0
  local table rule chain
  for table in filter nat; do
    iptables -t "$table" -S 2>/dev/null | grep -E '^-A ' | grep -vE '^-A DOCKER' |
      grep -E 'DOCKER|docker0|br-[0-9a-f]{12}' | while read -r rule; do
      # the rule text comes from iptables -S itself, so word splitting reproduces its arguments
      # shellcheck disable=SC2086
      iptables -t "$table" -D ${rule#-A } 2>/dev/null || true
    done
    for chain in $(iptables -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^DOCKER/ { print $2 }'); do
      iptables -t "$table" -F "$chain" 2>/dev/null || true
    done
    for chain in $(iptables -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^DOCKER/ { print $2 }'); do
      iptables -t "$table" -X "$chain" 2>/dev/null || true
    done
  done
}

cmd_stop() {
  local pid
  if [[ -f "$PIDFILE" ]] && pid="$(cat "$PIDFILE")" && kill -0 "$pid" 2>/dev/null; then
    log "stopping dockerd (pid $pid)"
    kill -TERM "$pid"
    local i
    for ((i = 0; i < 60 && $(kill -0 "$pid" 2>/dev/null && echo 1 || echo 0); i++)); do sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
      log "dockerd (pid $pid) still running after 30s; sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  else
    log "no private dockerd running"
  fi
  rm -f "$PIDFILE" "$SOCK"
  [[ -f "$BEFORE" ]] || return 0
  # shellcheck source=/dev/null
  source "$BEFORE"
  remove_docker_iptables
  local br
  for br in $(ip -o link show type bridge 2>/dev/null | awk -F': ' '{ print $2 }'); do
    [[ "$br" == docker0 && "$HAD_DOCKER0" == yes ]] && continue
    [[ " $BRIDGES_BEFORE " == *" $br "* ]] && continue
    [[ "$br" == docker0 || "$br" == br-* ]] && ip link del "$br" 2>/dev/null && log "removed bridge $br"
  done
  command -v iptables >/dev/null 2>&1 && iptables -P FORWARD "$FORWARD_POLICY"
  echo "$IP_FORWARD" >/proc/sys/net/ipv4/ip_forward
  rm -f "$BEFORE"
  log "host restored: ip_forward=$IP_FORWARD, FORWARD policy $FORWARD_POLICY"
}

case "${1:-}" in
  ensure) cmd_ensure ;;
  stop) cmd_stop ;;
  status) answers ;;
  env) echo "export DOCKER_HOST=unix://$SOCK" ;;
  host) echo "unix://$SOCK" ;;
  -h | --help | help) usage ;;
  *) usage >&2; exit 2 ;;
esac; exit $? # on the esac line: bash reads scripts while running them
