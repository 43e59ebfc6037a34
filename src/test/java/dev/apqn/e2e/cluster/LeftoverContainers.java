package dev.apqn.e2e.cluster;

import com.github.dockerjava.api.DockerClient;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

/**
 * Without Ryuk nothing removes the containers of a test JVM that was killed: before starting a
 * cluster, remove every node container and network the harness labelled whose owning JVM is gone
 * (another live run's cluster is left alone).
 */
final class LeftoverContainers {

    private static final Logger LOG = LoggerFactory.getLogger(LeftoverContainers.class);

    private LeftoverContainers() {
    }

    static void remove() {
        DockerClient docker = DockerClientFactory.lazyClient();
        var label = List.of(NodeContainer.LABEL);
        for (var c : docker.listContainersCmd().withShowAll(true).withLabelFilter(label).exec()) {
            if (ownerGone(c.getLabels())) {
                LOG.info("removing leftover container {} {}", c.getId().substring(0, 12), List.of(c.getNames()));
                docker.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
            }
        }
        for (var n : docker.listNetworksCmd().exec()) {
            if (n.getLabels() != null && n.getLabels().containsKey(NodeContainer.LABEL) && ownerGone(n.getLabels())) {
                LOG.info("removing leftover network {}", n.getName());
                docker.removeNetworkCmd(n.getId()).exec();
            }
        }
    }

    private static boolean ownerGone(Map<String, String> labels) {
        String pid = labels.get(NodeContainer.OWNER_LABEL);
        if (pid == null || !pid.matches("\\d+")) {
            return true;
        }
        return ProcessHandle.of(Long.parseLong(pid)).map(p -> !p.isAlive()).orElse(true);
    }
}
