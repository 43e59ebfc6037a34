package dev.apqn.e2e.cluster;

import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Volume;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * One node of an {@link OfflineNodeCluster}: the node image's start script (hack/node-image/rootfs/
 * usr/local/bin/apqn-node) with the container flags that work where {@code --privileged} is refused
 * (our machines lack CAP_SYS_RESOURCE in the bounding set; docs/e2e.md): every capability but
 * SYS_RESOURCE, no seccomp or AppArmor profile, access to all devices, a private cgroup namespace,
 * tmpfs /run and /tmp, and an anonymous volume for /var (containerd's overlay snapshotter cannot sit
 * on the container's own overlay root). The volume goes with the container on stop.
 */
final class NodeContainer extends GenericContainer<NodeContainer> {

    static final int API_PORT = 6443;
    /** Marks every container and network the harness creates, to find leftovers of a killed run. */
    static final String LABEL = "dev.apqn.e2e.cluster";
    /** The pid of the JVM that owns the container: leftovers are those whose JVM is gone. */
    static final String OWNER_LABEL = "dev.apqn.e2e.owner-pid";

    final String nodeName;

    NodeContainer(DockerImageName image, String nodeName, Network network) {
        super(image);
        this.nodeName = nodeName;
        withNetwork(network);
        withNetworkAliases(nodeName);
        withLabels(Map.of(LABEL, "node", OWNER_LABEL, Long.toString(ProcessHandle.current().pid())));
        withEnv("APQN_NODE_NAME", nodeName);
        withCreateContainerCmdModifier(this::nodeFlags);
        // printed by the start script once every daemon runs; readiness of the Node object is
        // checked through the API afterwards
        waitingFor(Wait.forLogMessage(".*apqn-node: .* started: .*\\n", 1)
                .withStartupTimeout(Duration.ofMinutes(3)));
    }

    private void nodeFlags(CreateContainerCmd cmd) {
        cmd.withHostName(nodeName);
        cmd.withVolumes(new Volume("/var"));
        cmd.getHostConfig()
                .withCapAdd(Capability.ALL)
                .withCapDrop(Capability.SYS_RESOURCE)
                .withSecurityOpts(List.of("seccomp=unconfined", "apparmor=unconfined"))
                .withDeviceCgroupRules(List.of("a *:* rwm"))
                .withCgroupnsMode("private")
                .withTmpFs(Map.of("/run", "rw,exec", "/tmp", "rw,exec"));
    }

    /** This container's address on the cluster's Docker network. */
    String networkIp() {
        return getContainerInfo().getNetworkSettings().getNetworks().values().iterator().next().getIpAddress();
    }
}
