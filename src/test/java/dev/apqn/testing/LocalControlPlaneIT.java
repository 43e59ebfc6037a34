package dev.apqn.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner itself: the pinned release, a usable kubeconfig, and its processes on record. */
@WithKubeApiServer
class LocalControlPlaneIT {

  @Test
  void serverReportsThePinnedRelease(KubernetesClient client, LocalControlPlane cp) {
    assertThat(client.getKubernetesVersion().getGitVersion()).isEqualTo("v" + cp.kubernetesVersion());
  }

  @Test
  void writtenKubeconfigWorksForAFreshClient(LocalControlPlane cp, @TempDir Path dir) {
    Path file = cp.writeKubeconfig(dir.resolve("sub/kubeconfig"));

    try (var fresh = new KubernetesClientBuilder()
        .withConfig(Config.fromKubeconfig(null, file.toFile())).build()) {
      assertThat(fresh.namespaces().withName("default").get()).isNotNull();
    }
  }

  @Test
  void oneServerPerJvmWithItsProcessesRecorded(LocalControlPlane cp, LocalControlPlane again)
      throws Exception {
    assertThat(again).isSameAs(cp);
    Path own = LocalControlPlane.cacheDir().resolve("run").resolve(ProcessHandle.current().pid() + ".pids");
    var lines = Files.readAllLines(own);
    // this JVM, then one etcd + kube-apiserver pair per control plane running in it: the shared one,
    // and others a @QuarkusTest resource (MetricsIT) keeps running until the end of the test run
    assertThat(lines.get(0)).startsWith(ProcessHandle.current().pid() + "\t");
    var entries = lines.subList(1, lines.size());
    assertThat(entries).isNotEmpty()
        .anyMatch(l -> l.contains("/etcd\t"))
        .anyMatch(l -> l.contains("/kube-apiserver\t"))
        .allMatch(l -> ProcessHandle.of(Long.parseLong(l.split("\t")[0]))
            .flatMap(ProcessHandle::parent).map(ProcessHandle::pid)
            .orElse(-1L) == ProcessHandle.current().pid());
    assertThat(entries.stream().filter(l -> l.contains("/etcd\t")).count())
        .isEqualTo(entries.stream().filter(l -> l.contains("/kube-apiserver\t")).count());
  }
}
