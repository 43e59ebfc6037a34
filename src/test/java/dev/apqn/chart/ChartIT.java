package dev.apqn.chart;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apqn.testing.Helm;
import dev.apqn.testing.LocalControlPlane;
import dev.apqn.testing.WithKubeApiServer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The chart as users meet it, with the real helm and kubectl against a real API server: it lints
 * strictly, bad values fail with the value named, everything it renders is accepted by the API server,
 * and install, upgrade and uninstall do what they say. No kubelet runs here, so nothing waits for pods
 * (the cluster layer runs them) and the pre-delete hook Job cannot run: uninstall uses --no-hooks.
 */
@WithKubeApiServer(crds = "crds")
class ChartIT {

  static Path kubeconfig;

  @BeforeAll
  static void kubeconfig(LocalControlPlane cp, @TempDir Path dir) {
    kubeconfig = cp.writeKubeconfig(dir.resolve("kubeconfig"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"agent.backend=sysfs", "agent.backend=simulated", "agent.backend=simulated-in-process",
      "serviceMonitor.enabled=true,admissionPolicies.enabled=false,uninstallGuard.enabled=false"})
  void lintsStrictly(String values) {
    var lint = Helm.run(null, List.of("lint", "--strict", Helm.chart().toString(), "--set", values));
    assertThat(lint.exitCode()).as(lint.stdout() + lint.stderr()).isZero();
    assertThat(lint.stdout()).contains("0 chart(s) failed");
  }

  @Test
  void badValuesFailNamingTheValue() {
    var wrongBackend = Helm.run(null, List.of("template", "x", Helm.chart().toString(), "--set", "agent.backend=qemu"));
    assertThat(wrongBackend.exitCode()).isNotZero();
    assertThat(wrongBackend.stderr()).contains("/agent/backend").contains("'sysfs', 'simulated', 'simulated-in-process'");

    var misspelt = Helm.run(null, List.of("template", "x", Helm.chart().toString(), "--set", "controller.replica=3"));
    assertThat(misspelt.exitCode()).isNotZero();
    assertThat(misspelt.stderr()).contains("/controller").contains("'replica' not allowed");

    var badDuration = Helm.run(null, List.of("template", "x", Helm.chart().toString(),
        "--set", "controller.leaderElection.leaseDuration=15 seconds"));
    assertThat(badDuration.exitCode()).isNotZero();
    assertThat(badDuration.stderr()).contains("/controller/leaderElection/leaseDuration");
  }

  @ParameterizedTest
  @ValueSource(strings = {"agent.backend=sysfs", "agent.backend=simulated", "agent.backend=simulated-in-process"})
  void everythingRenderedIsAcceptedByTheApiServer(String values, LocalControlPlane cp) throws Exception {
    String ns = cp.createNamespace("chart-dry");
    String yaml = Helm.template(ns, ns, "--set", values);
    var apply = kubectl(cp, yaml, "apply", "--dry-run=server", "--server-side", "-f", "-");
    assertThat(apply.exitCode).as(apply.output).isZero();
    assertThat(apply.output).contains("deployment.apps/" + ns + "-apqn-operator-controller serverside-applied (server dry run)")
        .contains("daemonset.apps/" + ns + "-apqn-operator-agent serverside-applied (server dry run)")
        .contains("validatingadmissionpolicy.admissionregistration.k8s.io/" + ns + "-apqn-operator-agent-own-node");
  }

  @Test
  void installUpgradeUninstall(LocalControlPlane cp) {
    KubernetesClient admin = cp.adminClient();
    String ns = cp.createNamespace("chart");
    String release = ns;
    List<HasMetadata> rendered = admin.load(new ByteArrayInputStream(
        Helm.template(release, ns, "--no-hooks").getBytes(StandardCharsets.UTF_8))).items();
    assertThat(rendered).extracting(HasMetadata::getKind).contains("Deployment", "DaemonSet", "ServiceAccount",
        "ClusterRole", "Role", "ValidatingAdmissionPolicy", "PriorityClass", "PodDisruptionBudget", "Service", "FlowSchema");

    // the test harness applied crds/ already (server-side, another field manager): Helm 4 server-side-applies
    // the chart's crds/ too, and takes them over only when told to
    var install = Helm.run(kubeconfig, List.of("install", release, Helm.chart().toString(), "--namespace", ns,
        "--force-conflicts"));
    assertThat(install.exitCode()).as(install.stderr()).isZero();
    assertThat(install.stdout()).contains("STATUS: deployed").contains("kubectl -n " + ns + " get pods");
    for (HasMetadata item : rendered) {
      assertThat(admin.resource(item).get()).as(item.getKind() + " " + item.getMetadata().getName()).isNotNull();
    }

    var upgrade = Helm.run(kubeconfig, List.of("upgrade", release, Helm.chart().toString(), "--namespace", ns,
        "--reuse-values", "--set", "controller.replicas=3"));
    assertThat(upgrade.exitCode()).as(upgrade.stderr()).isZero();
    assertThat(upgrade.stdout()).contains("REVISION: 2");
    Deployment controller = admin.apps().deployments().inNamespace(ns).withName(release + "-apqn-operator-controller").get();
    assertThat(controller.getSpec().getReplicas()).isEqualTo(3);

    // no kubelet here runs the pre-delete hook Job (the cluster layer tests the hook)
    var uninstall = Helm.run(kubeconfig, List.of("uninstall", release, "--namespace", ns, "--no-hooks", "--wait"));
    assertThat(uninstall.exitCode()).as(uninstall.stderr()).isZero();
    for (HasMetadata item : rendered) {
      assertThat(admin.resource(item).get()).as(item.getKind() + " " + item.getMetadata().getName() + " left behind").isNull();
    }
    // Helm never deletes CRDs (that would delete every reservation)
    assertThat(admin.apiextensions().v1().customResourceDefinitions().withName("apqnreservations.apqn.dev").get())
        .isInstanceOf(CustomResourceDefinition.class);
  }

  record Run(int exitCode, String output) {
  }

  static Run kubectl(LocalControlPlane cp, String stdin, String... args) throws IOException, InterruptedException {
    var command = new ArrayList<String>();
    command.add(cp.kubectl().toString());
    command.addAll(List.of(args));
    var pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("KUBECONFIG", kubeconfig.toString());
    Process p = pb.start();
    try (var in = p.getOutputStream()) {
      in.write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    return new Run(p.exitValue(), out);
  }
}
