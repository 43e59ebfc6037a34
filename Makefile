# apqn-operator developer entry points. `make help` lists them.
SHELL := /bin/bash
MVN ?= mvn -B -ntp -Dstyle.color=never
PROFILE ?= src/main/resources/profiles/mask-mode-apconfig.yaml
# make plugin-install: where kubectl-apqn goes (a directory on PATH)
PREFIX ?= $(HOME)/.local/bin
# The container image (`make image`): built by Jib in the Maven run, labelled with this commit, on the
# local base image of hack/base-image.sh; written to target/image/apqn-operator-image.tar.
IMAGE_REVISION = $(shell git rev-parse HEAD)
IMAGE_FLAGS = -Dquarkus.container-image.build=true -Dimage.revision=$(IMAGE_REVISION) \
	-Dquarkus.jib.base-jvm-image=tar://$(shell hack/base-image.sh path)

.DEFAULT_GOAL := help

# *E2E tests talk to Docker through Testcontainers. Our machines: no registry (Ryuk's image cannot be
# pulled; the harness removes its containers itself) and a VM with /.dockerenv (without the override
# Testcontainers hunts for a gateway by pulling alpine). The private dockerd of hack/docker.sh is
# used when it runs and the caller set no DOCKER_HOST.
export TESTCONTAINERS_RYUK_DISABLED ?= true
export TESTCONTAINERS_HOST_OVERRIDE ?= 127.0.0.1
# the start-up checks run an alpine container (disk space): not pullable here
export TESTCONTAINERS_CHECKS_DISABLE ?= true
ifeq ($(DOCKER_HOST),)
PRIVATE_DOCKER := $(shell hack/docker.sh status 2>/dev/null && hack/docker.sh host)
ifneq ($(PRIVATE_DOCKER),)
export DOCKER_HOST := $(PRIVATE_DOCKER)
endif
endif

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-20s\033[0m %s\n", $$1, $$2}'

.PHONY: build
build: ## Compile and package (no tests)
	$(MVN) -q package -DskipTests

.PHONY: control-plane
control-plane: ## Build or reuse the pinned kube-apiserver, etcd and kubectl (cached outside the repo)
	hack/control-plane.sh ensure

.PHONY: generate
generate: control-plane ## Regenerate crds/ from the Java API classes, docs/operator.md's configuration table from ApqnConfig, the chart's crds/ and deploy/ from the chart, deploy/argocd's argocd-cm patch
	$(MVN) -q test-compile exec:java -Dexec.mainClass=dev.apqn.api.CrdGenerator -Dexec.classpathScope=test -Dexec.args=crds
	$(MVN) -q exec:java -Dexec.mainClass=dev.apqn.app.ConfigDocGenerator -Dexec.classpathScope=test -Dexec.args=docs/operator.md
	hack/render-manifests.sh
	hack/argocd-cm.sh

.PHONY: base-image
base-image: ## Build or reuse the local Java 17 base image tar (Debian packages, cached outside the repo; FORCE=1 rebuilds)
	hack/base-image.sh ensure

.PHONY: image
image: base-image ## Build the operator image (no Docker daemon, no registry): target/image/apqn-operator-image.tar
	$(MVN) package -DskipTests $(IMAGE_FLAGS)

.PHONY: image-release
image-release: ## Build linux/amd64+linux/s390x on the digest-pinned registry base and push to ghcr.io (needs registry + credentials)
	@git diff --quiet HEAD || { echo "image-release: uncommitted changes; the image's revision label would lie" >&2; exit 1; }
	$(MVN) package -DskipTests -Pimage-release -Dimage.revision=$(IMAGE_REVISION)

# target/e2e/timing.properties collects the E2E wall time split: the node image build that preceded
# this run (binaries, images; consumed once), then what the harness adds (cluster start, tests).
E2E_TIMING_START = mkdir -p target/e2e && rm -f target/e2e/timing.properties && \
	if [ -f target/e2e/node-image-timing.properties ]; then mv target/e2e/node-image-timing.properties target/e2e/timing.properties; fi

.PHONY: test
test: control-plane base-image ## Run every test: unit (*Test), API-server (*IT; builds the image ImageIT checks), and real-cluster (*E2E) where Docker and the node image are there (logged skip otherwise)
	@$(E2E_TIMING_START)
	$(MVN) verify $(IMAGE_FLAGS)
	@if [ -f target/e2e/timing.properties ]; then echo "E2E wall time: $$(tr '\n' ' ' < target/e2e/timing.properties)"; fi

.PHONY: docker
docker: ## Start the private Docker engine for the *E2E tests (hack/docker.sh; installs docker.io if missing)
	@hack/docker.sh ensure >/dev/null

.PHONY: docker-stop
docker-stop: ## Stop the private Docker engine and undo its host changes
	hack/docker.sh stop

.PHONY: node-image
node-image: control-plane docker ## Build (or reuse, cached by inputs) the offline Kubernetes-in-Docker node image for *E2E
	@mkdir -p target/e2e
	@set -o pipefail; eval "$$(hack/docker.sh env)" && hack/node-image.sh build | sed -n 's/^node-image timing: //p' | tr ' ' '\n' > target/e2e/node-image-timing.properties

.PHONY: e2e
e2e: node-image base-image ## Run the *E2E layer on a two-node cluster in Docker; builds the operator image first (IMAGE_TAR=... another image tar)
	@$(E2E_TIMING_START)
	eval "$$(hack/docker.sh env)" && $(MVN) verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -DskipITs=true $(IMAGE_FLAGS) \
		$(if $(IMAGE_TAR),-De2e.image.tar=$(abspath $(IMAGE_TAR)),) $(E2E_ARGS)
	@echo "E2E wall time: $$(tr '\n' ' ' < target/e2e/timing.properties)"

.PHONY: unit
unit: ## Run the unit tests (*Test) only
	$(MVN) test

.PHONY: demo
demo: control-plane ## The operator end to end: local API server, 3 simulated s390x nodes + agents, controller, deploy/samples/ (Ctrl-C stops it)
	@mkdir -p target
	@echo "building (log: target/demo-build.log) ..."
	@$(MVN) -q test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/demo-classpath.txt \
		> target/demo-build.log 2>&1 || { cat target/demo-build.log; exit 1; }
	@java -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
		-cp target/test-classes:target/classes:$$(cat target/demo-classpath.txt) dev.apqn.demo.DemoMain $(DEMO_ARGS)

.PHONY: plugin-install
plugin-install: ## Install the kubectl plugin (kubectl apqn grid|plan|why): links kubectl-apqn into PREFIX (default ~/.local/bin), builds the app if needed
	@test -d target/quarkus-app/lib/main || $(MVN) -q package -DskipTests
	@mkdir -p $(PREFIX)
	ln -sf $(CURDIR)/bin/kubectl-apqn $(PREFIX)/kubectl-apqn
	@echo "installed: $(PREFIX)/kubectl-apqn -> $(CURDIR)/bin/kubectl-apqn (with $(PREFIX) on PATH: kubectl apqn --help)"

.PHONY: tour
tour: ## Guided tour of the simulated AP bus (PROFILE=name|file, APQN=05.0004, EXPORT=dir to export the sysfs tree)
	@mkdir -p target
	@echo "building (log: target/tour-build.log) ..."
	@$(MVN) -q test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/classpath-test.txt > target/tour-build.log 2>&1 \
		|| { cat target/tour-build.log; exit 1; }
	@# Tour is a demo, not part of the artifact: it lives in test scope
	@java -cp target/test-classes:target/classes:$$(cat target/classpath-test.txt) dev.apqn.apbus.sim.Tour --profile $(PROFILE) \
		$(if $(APQN),--apqn $(APQN),) $(if $(EXPORT),--export $(EXPORT),)

.PHONY: bench-agent
bench-agent: ## Agent converge cost on the simulated kernel: sysfs calls and CPU per pass kind, idle CPU per minute (BENCH_AGENT_ARGS="-Dbench.agent.profiles=stress-256 -Dbench.agent.cycles=40")
	@mkdir -p target/bench
	@$(MVN) -q test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/classpath-test.txt > target/bench/agent-build.log 2>&1 || { cat target/bench/agent-build.log; exit 1; }
	@uptime
	java $(BENCH_AGENT_ARGS) -cp target/test-classes:target/classes:$$(cat target/classpath-test.txt) dev.apqn.bench.AgentConvergeBench

.PHONY: bench
bench: control-plane ## Benchmark v2 (docs/bench.md): BENCH_ARGS="-Dbench.mode=burst|paced|scale|all ..."; controller and agent fleet as their own processes; JSON in target/bench/results-<mode>.json
	@mkdir -p target/bench
	@echo "building the application (quarkus-run.jar) and the test classpath (log: target/bench/build.log) ..."
	@$(MVN) -q package -DskipTests dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/classpath-test.txt \
		> target/bench/build.log 2>&1 || { cat target/bench/build.log; exit 1; }
	java $(BENCH_ARGS) -cp target/test-classes:target/classes:$$(cat target/classpath-test.txt) dev.apqn.bench.Bench
