package dev.apqn.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The leftover-killing logic, with `sleep` processes standing in for kube-apiserver and etcd. */
class ProcessReaperTest {

  @TempDir
  Path cache;
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void killSleepers() {
    started.forEach(Process::destroyForcibly);
  }

  @Test
  void killsWhatADeadJvmLeftAndDeletesItsEtcdDirs() throws Exception {
    Process orphan = sleep();
    Path dataDir = Files.createDirectories(cache.resolve("etcddata123"));
    Files.writeString(dataDir.resolve("member"), "x");
    Path notEtcd = Files.createDirectories(cache.resolve("precious"));
    writePids(deadOwner(), entry(orphan.toHandle(), dataDir + "," + notEtcd));

    int killed = new ProcessReaper(cache).reapLeftovers();

    assertThat(killed).isEqualTo(1);
    assertThat(orphan.waitFor()).isNotZero();
    assertThat(dataDir).doesNotExist();
    assertThat(notEtcd).exists(); // only directories named like kube-api-test's etcd dirs go
    assertThat(cache.resolve("run")).isEmptyDirectory();
  }

  @Test
  void leavesTheProcessesOfALiveJvmAlone() throws Exception {
    Process owner = sleep();
    Process child = sleep();
    writePids(ownerLine(owner.toHandle()), entry(child.toHandle(), ""));

    assertThat(new ProcessReaper(cache).reapLeftovers()).isZero();
    assertThat(child.isAlive()).isTrue();
  }

  @Test
  void neverKillsAReusedPid() throws Exception {
    Process bystander = sleep();
    var h = bystander.toHandle();
    long wrongStart = h.info().startInstant().orElseThrow().toEpochMilli() - 60_000;
    writePids(deadOwner(), h.pid() + "\t" + wrongStart + "\t" + h.info().command().orElseThrow() + "\t");

    assertThat(new ProcessReaper(cache).reapLeftovers()).isZero();
    assertThat(bystander.isAlive()).isTrue();
  }

  @Test
  void recordsOnlyChildrenRunningTheGivenBinaries() throws Exception {
    Process sleeper = sleep();
    var reaper = new ProcessReaper(cache);

    var recorded = reaper.recordChildren(List.of(Path.of("/bin/sleep")));

    assertThat(recorded).extracting(ProcessHandle::pid).contains(sleeper.pid());
    Path own = cache.resolve("run").resolve(ProcessHandle.current().pid() + ".pids");
    assertThat(Files.readAllLines(own)).anyMatch(l -> l.startsWith(sleeper.pid() + "\t"));
    assertThat(reaper.recordChildren(List.of(Path.of("/nonexistent/kube-apiserver")))).isEmpty();
    sleeper.destroy();
    sleeper.waitFor();
    reaper.clear();
    assertThat(own).doesNotExist();
  }

  @Test
  void aStoppedControlPlaneDoesNotDropTheRecordOfAnotherOneInTheSameJvm() throws Exception {
    // the shared test server and, e.g., the demo's own server run side by side in one JVM
    Process shared = sleep();
    var sharedReaper = new ProcessReaper(cache);
    sharedReaper.recordChildren(List.of(Path.of("/bin/sleep")));
    Process demo = sleep();
    var demoReaper = new ProcessReaper(cache);
    demoReaper.recordChildren(List.of(Path.of("/bin/sleep")));

    demo.destroy();
    demo.waitFor();
    demoReaper.clear();

    Path own = cache.resolve("run").resolve(ProcessHandle.current().pid() + ".pids");
    assertThat(Files.readAllLines(own))
        .anyMatch(l -> l.startsWith(shared.pid() + "\t"))
        .noneMatch(l -> l.startsWith(demo.pid() + "\t"));
  }

  private Process sleep() throws IOException {
    Process p = new ProcessBuilder("sleep", "300").start();
    started.add(p);
    return p;
  }

  /** The owner line of a process that has exited: the JVM that wrote the file is gone. */
  private static String deadOwner() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    return p.pid() + "\t" + Instant.now().toEpochMilli();
  }

  private static String ownerLine(ProcessHandle h) {
    return h.pid() + "\t" + h.info().startInstant().orElseThrow().toEpochMilli();
  }

  private static String entry(ProcessHandle h, String dirs) {
    return h.pid() + "\t" + h.info().startInstant().orElseThrow().toEpochMilli() + "\t"
        + h.info().command().orElseThrow() + "\t" + dirs;
  }

  private void writePids(String... lines) throws IOException {
    Files.createDirectories(cache.resolve("run"));
    Files.write(cache.resolve("run").resolve("999999999.pids"), List.of(lines));
  }
}
