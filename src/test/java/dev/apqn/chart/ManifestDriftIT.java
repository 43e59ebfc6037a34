package dev.apqn.chart;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apqn.testing.Helm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What `make generate` renders from the chart (hack/render-manifests.sh: the chart's crds/, deploy/)
 * is committed as rendered: regenerate into a temporary directory and compare byte for byte. An IT
 * because it needs the pinned helm, which `make test` ensures.
 */
class ManifestDriftIT {

  static final String FIX = "; run `make generate` and commit the result";

  @Test
  void chartCrdsAndPlainManifestsAreUpToDate(@TempDir Path out) throws Exception {
    Path repo = Helm.repo();
    var pb = new ProcessBuilder(repo.resolve("hack/render-manifests.sh").toString(), out.toString())
        .redirectErrorStream(true);
    pb.environment().put("HELM", Helm.binary().toString());
    Process p = pb.start();
    String log = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(log).isZero();

    List<Path> generated = files(out);
    assertThat(generated).as("render-manifests.sh wrote nothing").isNotEmpty();
    for (Path rel : generated) {
      Path committed = repo.resolve(rel.toString());
      assertThat(committed).as(rel + " is generated but not committed" + FIX).exists();
      assertThat(Files.readString(committed)).as(rel + " differs from what the chart renders" + FIX)
          .isEqualTo(Files.readString(out.resolve(rel)));
    }
    // a CRD removed from crds/ must not linger in the chart
    try (Stream<Path> chartCrds = Files.list(repo.resolve("charts/apqn-operator/crds"))) {
      assertThat(chartCrds.map(f -> "charts/apqn-operator/crds/" + f.getFileName()))
          .as("the chart's crds/ holds files crds/ does not" + FIX)
          .allMatch(f -> generated.contains(Path.of(f)));
    }
    // and the chart's CRDs are crds/, byte for byte
    try (Stream<Path> crds = Files.list(repo.resolve("crds"))) {
      for (Path crd : crds.toList()) {
        assertThat(Files.readString(repo.resolve("charts/apqn-operator/crds").resolve(crd.getFileName())))
            .as("charts/apqn-operator/crds/" + crd.getFileName() + FIX).isEqualTo(Files.readString(crd));
      }
    }
  }

  private static List<Path> files(Path root) throws IOException {
    var out = new ArrayList<Path>();
    try (Stream<Path> all = Files.walk(root)) {
      all.filter(Files::isRegularFile).forEach(f -> out.add(root.relativize(f)));
    }
    return out;
  }
}
