#!/usr/bin/env bash
# Builds, offline, the Kubernetes-in-Docker node image the *E2E tests start with Testcontainers: a
# Debian rootfs (debootstrap) with containerd, runc and the CNI plugins, the Kubernetes node binaries
# built from Go modules, kube-apiserver/etcd/kubectl from hack/control-plane.sh, a static pause image
# and a start script (hack/node-image/rootfs/). Everything is cached outside the repository, keyed by
# its inputs, so a second run takes seconds. See docs/e2e.md.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# go_build, k8s_ldflags, log helpers and the pins (KUBERNETES_VERSION, ARCH, K8S_DIR, DIR)
# shellcheck source=control-plane.sh
source "$HERE/control-plane.sh"

NODE_MOD="$HERE/node-image/k8s"
NODE_CACHE="${NODE_IMAGE_CACHE:-$HOME/.cache/apqn-operator/node-image}"
NODE_BIN="$NODE_CACHE/bin/${KUBERNETES_VERSION}-linux-${ARCH}"
NODE_BINARIES=(kubelet kube-controller-manager kube-scheduler kube-proxy)
DRA_TEST_DRIVER=dra-test-driver
# containerd 2.x from its Go module (hack/node-image/containerd): Debian's containerd 1.6 does not
# inject CDI devices, which the kubelet asks for when a pod uses a DRA ResourceClaim.
CONTAINERD_MOD="$HERE/node-image/containerd"
CONTAINERD_BINARIES=(containerd containerd-shim-runc-v2 ctr)
SUITE=bookworm
# What the node runs besides the Kubernetes binaries and containerd. busybox-static doubles as the
# test pods' image. runc is Debian's (1.1.5): containerd 2.x's shim drives it unchanged.
PACKAGES=runc,containernetworking-plugins,iptables,iproute2,ca-certificates,openssl,conntrack,kmod,procps,tini,busybox-static
IMAGE_REPO="${NODE_IMAGE_REPO:-apqn.dev/e2e/node}"
# The tag tests start by default (dev.apqn.e2e.cluster): stable across rebuilds of the same release.
IMAGE_REF="$IMAGE_REPO:v${KUBERNETES_VERSION}"
# The test pods' image, imported by every node at start.
BUSYBOX_REF=apqn.dev/e2e/busybox:1

nlog() { printf 'node-image: %s\n' "$*" >&2; }
ndie() {
  printf 'node-image: ERROR: %s\n' "$*" >&2
  exit 1
}

usage() {
  cat <<USAGE
Usage: hack/node-image.sh <command>

Commands:
  build         build the node image (or reuse it: each stage is cached by its inputs) and tag it
                $IMAGE_REF; needs a Docker engine (hack/docker.sh ensure) and DOCKER_HOST
  binaries      only build the Kubernetes node binaries into $NODE_BIN
  containerd    only build containerd 2.x (hack/node-image/containerd) into $NODE_CACHE/containerd/
  ref           print the image reference tests use
  regen-go-mod  rewrite hack/node-image/k8s/go.mod from hack/control-plane/kube-apiserver/go.mod (after a bump)
USAGE
}

# --- stage 1: Kubernetes node binaries from Go modules ---------------------------------------------

node_binary_ok() {
  local file="$NODE_BIN/$1"
  [[ -x "$file" ]] && [[ "$("$file" --version 2>/dev/null | head -n1)" == "Kubernetes v${KUBERNETES_VERSION}" ]]
}

cmd_binaries() {
  local name tmp start=$SECONDS
  require_go kubelet
  grep -q "k8s.io/kubernetes v${KUBERNETES_VERSION}\b" "$NODE_MOD/go.mod" ||
    ndie "hack/node-image/k8s/go.mod does not pin k8s.io/kubernetes v${KUBERNETES_VERSION}: run 'hack/node-image.sh regen-go-mod'"
  mkdir -p "$NODE_BIN"
  tmp="$(mktemp -d "$NODE_CACHE/.tmp.XXXXXX")"
  for name in "${NODE_BINARIES[@]}"; do
    if node_binary_ok "$name"; then
      nlog "$name: cached ($NODE_BIN/$name)"
      continue
    fi
    go_build "$name" "$NODE_MOD" "k8s.io/kubernetes/cmd/$name" "$(k8s_ldflags)" "$tmp/$name" || { rm -rf "$tmp"; ndie "$name: build failed"; }
    mv -f "$tmp/$name" "$NODE_BIN/$name"
    node_binary_ok "$name" || ndie "$name: built binary does not report Kubernetes v${KUBERNETES_VERSION}"
  done
  # Kubernetes' own DRA test driver (test/e2e/dra/test-driver): a kubelet plugin that publishes
  # ResourceSlices and answers NodePrepareResources with a CDI spec of env variables. The *E2E tests
  # start it on a node to show CDI injection through DRA independently of our plugin.
  if [[ -x "$NODE_BIN/$DRA_TEST_DRIVER" ]]; then
    nlog "$DRA_TEST_DRIVER: cached ($NODE_BIN/$DRA_TEST_DRIVER)"
  else
    go_build "$DRA_TEST_DRIVER" "$NODE_MOD" k8s.io/kubernetes/test/e2e/dra/test-driver "$(k8s_ldflags)" "$tmp/$DRA_TEST_DRIVER" || { rm -rf "$tmp"; ndie "$DRA_TEST_DRIVER: build failed"; }
    mv -f "$tmp/$DRA_TEST_DRIVER" "$NODE_BIN/$DRA_TEST_DRIVER"
  fi
  rm -rf "$tmp"
  nlog "binaries ready in $((SECONDS - start))s: $NODE_BIN"
}

# --- stage 1b: containerd 2.x from its Go module -----------------------------------------------------

containerd_version() { awk '$1 == "github.com/containerd/containerd/v2" { print $2; exit }' "$CONTAINERD_MOD/go.mod"; }

# The cache directory is keyed by the wrapper module's go.mod + go.sum (the whole input of the build)
# and the Go version, so a version bump or another toolchain builds afresh.
containerd_dir() {
  local key
  key="$(cat "$CONTAINERD_MOD/go.mod" "$CONTAINERD_MOD/go.sum" <(go env GOVERSION) | sha256sum | cut -c1-16)"
  echo "$NODE_CACHE/containerd/$(containerd_version)-linux-${ARCH}-$key"
}

cmd_containerd() {
  local version dir name tmp ldflags start=$SECONDS
  require_go containerd
  version="$(containerd_version)"
  [[ -n "$version" ]] || ndie "hack/node-image/containerd/go.mod does not require github.com/containerd/containerd/v2"
  dir="$(containerd_dir)"
  CONTAINERD_BIN="$dir"
  if [[ -x "$dir/containerd" && -x "$dir/containerd-shim-runc-v2" && -x "$dir/ctr" ]] &&
    "$dir/containerd" --version 2>/dev/null | grep -q " $version "; then
    nlog "containerd $version: cached ($dir)"
    return 0
  fi
  mkdir -p "$NODE_CACHE/containerd"
  tmp="$(mktemp -d "$NODE_CACHE/containerd/.tmp.XXXXXX")"
  # static (CGO_ENABLED=0, as containerd's own shim build): no btrfs/devmapper/zfs snapshotters, the
  # node uses overlayfs; the version stamps what `containerd --version` and the CRI report
  ldflags="-s -w -X github.com/containerd/containerd/v2/version.Version=$version -X github.com/containerd/containerd/v2/version.Revision=go-module-$version"
  for name in "${CONTAINERD_BINARIES[@]}"; do
    GO_BUILD_TAGS="no_btrfs,no_devmapper,no_zfs" go_build "$name" "$CONTAINERD_MOD" \
      "github.com/containerd/containerd/v2/cmd/$name" "$ldflags" "$tmp/$name" || { rm -rf "$tmp"; ndie "$name: build failed"; }
  done
  "$tmp/containerd" --version | grep -q " $version " || { rm -rf "$tmp"; ndie "built containerd does not report $version"; }
  rm -rf "$dir"
  mv "$tmp" "$dir"
  nlog "containerd $version built in $((SECONDS - start))s: $dir"
}

# --- stage 2: the Debian rootfs ---------------------------------------------------------------------

# The Debian mirror apt is configured with (deb822 or one-line sources), so debootstrap uses the same.
debian_mirror() {
  local m
  m="$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{ print $2 }' | grep -vE 'security|updates' | head -n1)"
  [[ -n "$m" ]] || m="$(grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{ print $2 }' | grep -vE 'security' | head -n1)"
  echo "${m:-http://deb.debian.org/debian}"
}

# A Debian rootfs as a tar, cached by suite, package list and mirror.
ensure_rootfs() {
  local mirror key out dir start=$SECONDS
  mirror="$(debian_mirror)"
  key="$(printf '%s\n' "$SUITE" "$PACKAGES" "$mirror" | sha256sum | cut -c1-16)"
  out="$NODE_CACHE/rootfs/$SUITE-$key.tar"
  ROOTFS_TAR="$out"
  if [[ -s "$out" ]]; then
    nlog "rootfs: cached ($out)"
    return 0
  fi
  command -v debootstrap >/dev/null 2>&1 || {
    nlog "installing debootstrap (apt-get)"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 debootstrap >/dev/null
  }
  mkdir -p "$NODE_CACHE/rootfs"
  dir="$(mktemp -d "$NODE_CACHE/rootfs/.build.XXXXXX")"
  nlog "rootfs: debootstrap $SUITE from $mirror with $PACKAGES (log: $NODE_CACHE/rootfs/debootstrap.log)"
  if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$dir" "$mirror" >"$NODE_CACHE/rootfs/debootstrap.log" 2>&1; then
    tail -n 20 "$NODE_CACHE/rootfs/debootstrap.log" >&2
    rm -rf "$dir"
    ndie "debootstrap failed"
  fi
  # apt lists and caches are not needed at run time; docs and locales neither
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/usr/share/doc/* \
    "$dir"/usr/share/man/* "$dir"/usr/share/locale/*
  tar --numeric-owner --xattrs -C "$dir" -cf "$out.tmp" .
  mv -f "$out.tmp" "$out"
  rm -rf "$dir"
  nlog "rootfs: built in $((SECONDS - start))s ($(du -h "$out" | cut -f1))"
}

# --- stage 3: image tars the node imports at start (no registry to pull from) ------------------------

require_docker() {
  command -v docker >/dev/null 2>&1 && docker version >/dev/null 2>&1 ||
    ndie "no Docker engine answers (DOCKER_HOST=${DOCKER_HOST:-unset}): run 'eval \"\$(hack/docker.sh ensure)\"' first"
}

# tar_image <dir> <ref> <entrypoint json|""> <out.tar>: one-layer image from a directory, in
# `docker save` format (what `ctr images import` and `docker load` both read)
tar_image() {
  local dir="$1" ref="$2" entrypoint="$3" out="$4" changes=()
  [[ -n "$entrypoint" ]] && changes=(--change "ENTRYPOINT $entrypoint")
  tar --numeric-owner -C "$dir" -c . | docker import "${changes[@]}" - "$ref" >/dev/null
  docker save -o "$out.tmp" "$ref"
  mv -f "$out.tmp" "$out"
}

# The kubelet's sandbox image: a static pause binary tagged as the image the kubelet expects.
ensure_pause_image() {
  local key out dir
  key="$(cat "$HERE/node-image/pause.c" | sha256sum | cut -c1-16)"
  out="$NODE_CACHE/images/pause-$key.tar"
  PAUSE_TAR="$out"
  [[ -s "$out" ]] && { nlog "pause image: cached ($out)"; return 0; }
  mkdir -p "$NODE_CACHE/images"
  dir="$(mktemp -d "$NODE_CACHE/images/.pause.XXXXXX")"
  gcc -static -O2 -o "$dir/pause" "$HERE/node-image/pause.c"
  strip "$dir/pause" 2>/dev/null || true
  tar_image "$dir" registry.k8s.io/pause:3.10 '["/pause"]' "$out"
  rm -rf "$dir"
  nlog "pause image: built registry.k8s.io/pause:3.10 ($out)"
}

# A small image for test pods (sh, sleep, wget, nc ...): Debian's static busybox from the rootfs.
ensure_busybox_image() {
  local key out dir applet
  key="$(basename "$ROOTFS_TAR" .tar)"
  out="$NODE_CACHE/images/busybox-$key.tar"
  BUSYBOX_TAR="$out"
  if [[ -s "$out" ]]; then
    # tests also tag it in the engine (TwoNodeClusterE2E loads a re-tagged copy after start)
    docker image inspect "$BUSYBOX_REF" >/dev/null 2>&1 || docker load -q -i "$out" >/dev/null
    nlog "busybox image: cached ($out)"
    return 0
  fi
  dir="$(mktemp -d "$NODE_CACHE/images/.busybox.XXXXXX")"
  mkdir -p "$dir/bin" "$dir/tmp"
  tar -xOf "$ROOTFS_TAR" ./usr/bin/busybox >"$dir/bin/busybox"
  chmod 755 "$dir/bin/busybox"
  for applet in $("$dir/bin/busybox" --list); do
    [[ "$applet" == busybox ]] || ln -s busybox "$dir/bin/$applet"
  done
  tar_image "$dir" "$BUSYBOX_REF" '' "$out"
  rm -rf "$dir"
  nlog "busybox image: built $BUSYBOX_REF ($out)"
}

# --- stage 4: the node image -------------------------------------------------------------------------

cmd_build() {
  local start=$SECONDS t rootfs_ref key ctx
  require_docker
  t=$SECONDS
  cmd_binaries
  cmd_containerd
  "$HERE/control-plane.sh" ensure
  local bin_s=$((SECONDS - t))
  t=$SECONDS
  ensure_rootfs
  ensure_pause_image
  ensure_busybox_image
  rootfs_ref="apqn.dev/e2e/node-rootfs:$(basename "$ROOTFS_TAR" .tar)"
  if ! docker image inspect "$rootfs_ref" >/dev/null 2>&1; then
    nlog "docker import $ROOTFS_TAR as $rootfs_ref"
    docker import "$ROOTFS_TAR" "$rootfs_ref" >/dev/null
  fi
  # the image's key: every input file's content
  ctx="$NODE_CACHE/context"
  rm -rf "$ctx"
  mkdir -p "$ctx/bin" "$ctx/images"
  # hard links: the build context costs no copies of the ~600 MB of binaries
  local name
  for name in "${NODE_BINARIES[@]}" "$DRA_TEST_DRIVER"; do ln -f "$NODE_BIN/$name" "$ctx/bin/$name" 2>/dev/null || cp "$NODE_BIN/$name" "$ctx/bin/$name"; done
  for name in kube-apiserver etcd kubectl; do ln -f "$K8S_DIR/$name" "$ctx/bin/$name" 2>/dev/null || cp "$K8S_DIR/$name" "$ctx/bin/$name"; done
  for name in "${CONTAINERD_BINARIES[@]}"; do ln -f "$CONTAINERD_BIN/$name" "$ctx/bin/$name" 2>/dev/null || cp "$CONTAINERD_BIN/$name" "$ctx/bin/$name"; done
  cp "$PAUSE_TAR" "$ctx/images/pause.tar"
  cp "$BUSYBOX_TAR" "$ctx/images/busybox.tar"
  cp -a "$HERE/node-image/rootfs" "$ctx/rootfs"
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $rootfs_ref
COPY bin/ /usr/local/bin/
COPY images/ /opt/apqn/images/
COPY rootfs/ /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LABEL dev.apqn.e2e.kubernetes=v${KUBERNETES_VERSION}
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/apqn-node"]
DOCKERFILE
  key="$(cd "$ctx" && find . -type f -o -type l | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)"
  if docker image inspect "$IMAGE_REPO:$key" >/dev/null 2>&1; then
    nlog "image: cached $IMAGE_REPO:$key"
  else
    nlog "image: docker build $IMAGE_REPO:$key"
    DOCKER_BUILDKIT=0 docker build -q -t "$IMAGE_REPO:$key" "$ctx" >/dev/null
  fi
  docker tag "$IMAGE_REPO:$key" "$IMAGE_REF"
  # earlier builds' images are ~750 MB each: keep only this one
  local old
  for old in $(docker images "$IMAGE_REPO" --format '{{.Tag}}' | grep -vxF -e "$key" -e "v${KUBERNETES_VERSION}"); do
    docker rmi "$IMAGE_REPO:$old" >/dev/null 2>&1 && nlog "image: removed the earlier build $IMAGE_REPO:$old"
  done
  rm -rf "$ctx"
  nlog "ready in $((SECONDS - start))s: $IMAGE_REF = $IMAGE_REPO:$key (binaries ${bin_s}s, images $((SECONDS - t))s)"
  echo "node-image timing: binaries=${bin_s}s images=$((SECONDS - t))s"
}

cmd_regen_go_mod() {
  local src="$HERE/control-plane/kube-apiserver/go.mod"
  {
    echo "// Wrapper module that builds the node binaries (kubelet, kube-controller-manager, kube-scheduler,"
    echo "// kube-proxy) of Kubernetes v${KUBERNETES_VERSION} from the Go module proxy. Generated by"
    echo "// 'hack/node-image.sh regen-go-mod' from hack/control-plane/kube-apiserver/go.mod: the same pins"
    echo "// and replace lines (every staging module mapped to its published release); see docs/e2e.md."
    echo "module apqn.dev/hack/node-image/k8s"
    echo
    awk '$1 == "go" || $1 == "godebug" { print; print "" }' "$src"
    echo "tool ("
    printf '\tk8s.io/kubernetes/cmd/%s\n' "${NODE_BINARIES[@]}"
    printf '\tk8s.io/kubernetes/test/e2e/dra/test-driver\n'
    echo ")"
    echo
    echo "require k8s.io/kubernetes v${KUBERNETES_VERSION}"
    echo
    sed -n '/^replace (/,/^)/p' "$src"
  } >"$NODE_MOD/go.mod"
  rm -f "$NODE_MOD/go.sum"
  (cd "$NODE_MOD" && GOWORK=off GOFLAGS=-mod=mod go mod tidy)
  nlog "regenerated $NODE_MOD/go.{mod,sum}; commit them"
}

main() {
  mkdir -p "$NODE_CACHE"
  case "${1:-}" in
    build) cmd_build ;;
    binaries) cmd_binaries ;;
    containerd) cmd_containerd ;;
    rootfs) ensure_rootfs ;;
    ref) echo "$IMAGE_REF" ;;
    regen-go-mod) cmd_regen_go_mod ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"; exit $?
