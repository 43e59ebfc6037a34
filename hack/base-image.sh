#!/usr/bin/env bash
# Builds the operator's local Java 17 base image from Debian packages, without a Docker daemon or a
# registry: debootstrap (minbase + openjdk-17-jre-headless + libfuse3-3 for the simkernel) -> one gzip layer -> an image tar in
# `docker save` format (manifest.json + config JSON + layer) in a cache OUTSIDE the repository.
# `make image` / `make test` build the operator image on top of it with Jib (tar:// base).
# Release images use a registry base pinned by digest instead (pom.xml, profile image-release).
# The packages come from the suite alone (no bookworm-security): a base for our machines and CI, where
# no registry is reachable, not for production.
set -euo pipefail

SUITE=bookworm
PACKAGES=openjdk-17-jre-headless,ca-certificates,libfuse3-3
# The runtime user of the operator image (quarkus.jib.user): numeric, non-root, 185 like the UBI and
# Quarkus images. Its home is the read-only app directory; Quarkus writes nothing but /tmp.
APP_UID=185
APP_HOME=/deployments
CACHE_DIR="${APQN_IMAGE_CACHE:-$HOME/.cache/apqn-operator/images}"
OUT="$CACHE_DIR/base-${SUITE}-jre17.tar"
# A digest of this script is the image's tag: a cached tar built by another version of the recipe is
# rebuilt, so a change here reaches every machine that kept the old tar.
RECIPE="$(sha256sum "${BASH_SOURCE[0]}" | cut -c 1-12)"
TAG="localhost/apqn-operator-base:${SUITE}-jre17-${RECIPE}"

usage() {
  cat <<EOF
Usage: hack/base-image.sh <command>

Commands:
  ensure   build the base image tar unless the cached one is intact and from this version of the
           script (FORCE=1 rebuilds)
  path     print the path of the base image tar
  -h       this text

Output: ${OUT}
  (directory: \$APQN_IMAGE_CACHE, default \$HOME/.cache/apqn-operator/images)
Source: debootstrap --variant=minbase --include=${PACKAGES} ${SUITE} against the Debian mirror apt
uses here (override with DEBIAN_MIRROR=<url>). Needs root (debootstrap); installs debootstrap with
apt-get when it is missing.
EOF
}

log() { printf 'base-image: %s\n' "$*" >&2; }
die() {
  printf 'base-image: ERROR: %s\n' "$*" >&2
  exit 1
}

# The Debian archive apt is configured with (deb822 .sources or one-line .list), so the base image
# comes from the same mirror as the machine's own packages; deb.debian.org if none is found.
debian_mirror() {
  local uris
  uris=$(
    {
      cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^[[:space:]]*URIs:/ { for (i = 2; i <= NF; i++) print $i }'
      cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
        sed -E 's/\[[^]]*\]//' | awk '$1 == "deb" { print $2 }'
    } | grep -E '/debian/?$' || true
  )
  printf '%s\n' "${uris:-http://deb.debian.org/debian}" | head -n 1
}

# A cached tar is reused only when it comes from this recipe and its manifest is readable: an
# interrupted build never leaves one behind (it is renamed into place last), a truncated copy would
# fail Jib much later.
cached_tar_current() {
  local manifest
  [[ -s "$OUT" ]] && manifest="$(tar -xOf "$OUT" manifest.json 2>/dev/null)" && [[ "$manifest" == *"\"$TAG\""* ]]
}

ensure_debootstrap() {
  command -v debootstrap >/dev/null && return 0
  log "installing debootstrap (apt-get)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
}

WORK=""
cleanup() {
  [[ -n "$WORK" && -d "$WORK" ]] || return 0
  # debootstrap mounts /proc and /sys inside the rootfs; never let rm reach a live mount
  findmnt -rn -o TARGET | grep -F "$WORK/" | sort -r | xargs -r -n 1 umount -l 2>/dev/null || true
  rm -rf --one-file-system "$WORK"
}

# Removes what a container never needs: package caches and lists, docs (but not the copyright
# files), man pages, locales, logs.
shrink_rootfs() {
  local root="$1"
  rm -rf "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/var/cache/debconf/*-old \
    "$root"/var/lib/dpkg/*-old "$root"/usr/share/man/* "$root"/usr/share/info/* \
    "$root"/usr/share/locale/* "$root"/usr/share/lintian "$root"/tmp/* "$root"/var/tmp/*
  find "$root"/usr/share/doc -mindepth 1 ! -type d ! -name copyright -delete
  find "$root"/usr/share/doc -mindepth 1 -type d -empty -delete
  find "$root"/var/log -type f -delete
  rm -f "$root"/etc/machine-id "$root"/var/lib/dbus/machine-id
}

add_app_user() {
  local root="$1"
  if grep -q "^[^:]*:x:${APP_UID}:" "$root/etc/passwd"; then
    return 0
  fi
  echo "apqn:x:${APP_UID}:" >>"$root/etc/group"
  echo "apqn:x:${APP_UID}:${APP_UID}:apqn-operator:${APP_HOME}:/usr/sbin/nologin" >>"$root/etc/passwd"
  if [[ -f "$root/etc/shadow" ]]; then
    echo "apqn:*:19000:0:99999:7:::" >>"$root/etc/shadow"
  fi
}

package_version() {
  dpkg-query --admindir="$1/var/lib/dpkg" -W -f='${Version}' "$2"
}

build() {
  ensure_debootstrap
  [[ $EUID -eq 0 ]] || die "debootstrap needs root"
  local mirror deb_arch oci_arch
  mirror="${DEBIAN_MIRROR:-$(debian_mirror)}"
  deb_arch="$(dpkg --print-architecture)"
  case "$deb_arch" in
    amd64 | arm64 | s390x | ppc64el) oci_arch="${deb_arch/ppc64el/ppc64le}" ;;
    *) die "unsupported architecture $deb_arch" ;;
  esac

  mkdir -p "$CACHE_DIR"
  WORK="$(mktemp -d "$CACHE_DIR/.build.XXXXXX")"
  trap cleanup EXIT
  local root="$WORK/rootfs" start=$SECONDS
  log "debootstrap $SUITE ($PACKAGES) from $mirror into $root"
  debootstrap --variant=minbase --arch="$deb_arch" --include="$PACKAGES" "$SUITE" "$root" "$mirror" \
    >"$WORK/debootstrap.log" 2>&1 || {
    tail -n 30 "$WORK/debootstrap.log" >&2
    die "debootstrap failed (log above)"
  }
  log "debootstrap took $((SECONDS - start))s"

  # provenance for the image labels, read before the apt lists are removed
  local release_date jre_version ca_version
  release_date="$(sed -n 's/^Date: //p' "$root"/var/lib/apt/lists/*_"$SUITE"_*Release 2>/dev/null | head -n 1)"
  jre_version="$(package_version "$root" openjdk-17-jre-headless)"
  ca_version="$(package_version "$root" ca-certificates)"
  local java_home="/usr/lib/jvm/java-17-openjdk-${deb_arch}"
  [[ -x "$root$java_home/bin/java" && -L "$root/usr/bin/java" ]] || die "no java in the rootfs at $java_home"

  shrink_rootfs "$root"
  add_app_user "$root"

  # one layer: the whole rootfs, numeric owners, sorted (same input -> same tar), /dev left to the runtime
  local out="$WORK/image" layer_tar="$WORK/layer.tar"
  mkdir -p "$out"
  local entries=()
  mapfile -t entries < <(cd "$root" && ls -A)
  tar --create --file="$layer_tar" --directory="$root" --numeric-owner --sort=name --one-file-system \
    --exclude='dev/*' --exclude='proc/*' --exclude='sys/*' "${entries[@]}"
  local diff_id layer_digest
  diff_id="$(sha256sum "$layer_tar" | cut -d' ' -f1)"
  gzip -n -6 "$layer_tar"
  layer_digest="$(sha256sum "$layer_tar.gz" | cut -d' ' -f1)"
  mv "$layer_tar.gz" "$out/$layer_digest.tar.gz"

  local created
  created="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  cat >"$WORK/config.json" <<EOF
{"architecture":"${oci_arch}","os":"linux","created":"${created}",
"config":{"User":"${APP_UID}:${APP_UID}","WorkingDir":"${APP_HOME}",
"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","JAVA_HOME=${java_home}","LANG=C.UTF-8"],
"Labels":{"dev.apqn.base.recipe":"hack/base-image.sh ${RECIPE}","dev.apqn.base.debian-suite":"${SUITE}",
"dev.apqn.base.debian-mirror":"${mirror}","dev.apqn.base.debian-release-date":"${release_date}",
"dev.apqn.base.openjdk-17-jre-headless":"${jre_version}","dev.apqn.base.ca-certificates":"${ca_version}"}},
"rootfs":{"type":"layers","diff_ids":["sha256:${diff_id}"]},
"history":[{"created":"${created}","created_by":"hack/base-image.sh: debootstrap --variant=minbase --include=${PACKAGES} ${SUITE} ${mirror}"}]}
EOF
  local config_digest
  config_digest="$(sha256sum "$WORK/config.json" | cut -d' ' -f1)"
  mv "$WORK/config.json" "$out/$config_digest.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s.tar.gz"]}]\n' \
    "$config_digest" "$TAG" "$layer_digest" >"$out/manifest.json"

  tar --create --file="$WORK/base.tar" --directory="$out" manifest.json "$config_digest.json" "$layer_digest.tar.gz"
  mv -f "$WORK/base.tar" "$OUT"
  log "wrote $OUT ($(du -m "$OUT" | cut -f1) MB; openjdk-17-jre-headless $jre_version; $((SECONDS - start))s)"
}

case "${1:-}" in
  ensure)
    if [[ "${FORCE:-0}" != 1 ]] && cached_tar_current; then
      log "reusing $OUT (FORCE=1 rebuilds)"
    else
      build
    fi
    ;;
  path) echo "$OUT" ;;
  -h | --help | help) usage ;;
  *)
    usage >&2
    exit 2
    ;;
esac
