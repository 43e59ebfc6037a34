#!/usr/bin/env bash
# Jib's "Docker daemon" target, written to a file instead: the image tar for `make image` / `make test`
# without a Docker daemon and without a registry.
#
# Why a stand-in: Quarkus' Jib extension (quarkus-container-image-jib 3.33) either pushes to a
# registry or hands the image to the local Docker daemon; it has no "write a tar" target
# (JibProcessor.createContainerizer). Jib reaches the daemon only through the docker CLI
# (jib-core CliDockerClient): `docker info -f {{json .}}` for the daemon's os/architecture, then
# `docker load` with the finished image as a `docker save` tar on stdin. quarkus.jib.docker-executable-name
# points here, so those two commands write that tar to $APQN_IMAGE_TAR (quarkus.jib.docker-environment)
# instead; `docker load -i` and `ctr images import` accept the file as it is.
set -euo pipefail

die() {
  printf 'jib-docker-to-tar: %s\n' "$*" >&2
  exit 1
}

case "${1:-}" in
  info)
    # what the "daemon" runs on: this machine (Jib maps x86_64 to amd64)
    printf '{"OSType":"linux","Architecture":"%s"}\n' "$(uname -m)"
    ;;
  load)
    [[ -n "${APQN_IMAGE_TAR:-}" ]] || die "APQN_IMAGE_TAR is not set (quarkus.jib.docker-environment.APQN_IMAGE_TAR)"
    mkdir -p "$(dirname "$APQN_IMAGE_TAR")"
    # written beside the target and renamed, so a failed build never leaves a truncated image tar
    partial="$APQN_IMAGE_TAR.partial"
    cat >"$partial"
    tar -xOf "$partial" manifest.json >/dev/null 2>&1 || die "the image Jib sent has no manifest.json"
    mv -f "$partial" "$APQN_IMAGE_TAR"
    echo "Loaded image into $APQN_IMAGE_TAR"
    ;;
  *)
    die "unsupported docker command: $* (only 'info' and 'load', the two Jib's docker-daemon target uses)"
    ;;
esac
