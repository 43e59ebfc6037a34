package dev.apqn.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Makes sure no kube-apiserver or etcd outlives the JVM that started it.
 *
 * <p>A normal end and a failing test are covered by {@link LocalControlPlane#stop()} and its
 * shutdown hook. A JVM killed with SIGKILL (a cancelled CI job, an IDE's stop button) runs
 * neither, and its children keep running. So every JVM writes what it started to
 * {@code <cache>/run/<jvm-pid>.pids}; the next start reaps the files of JVMs that are gone: it kills
 * the processes recorded there (only if pid, start time and executable still match, so a reused pid
 * is never hit) and deletes their etcd data directories. Files of live JVMs are left alone, so a
 * demo and a test run can share the cache.
 */
final class ProcessReaper {

  private static final System.Logger LOG = System.getLogger(ProcessReaper.class.getName());
  private static final String SUFFIX = ".pids";

  private final Path runDir;
  private final Path ownFile;
  private final Set<Path> recordedBinaries = java.util.concurrent.ConcurrentHashMap.newKeySet();

  ProcessReaper(Path cacheDir) {
    this.runDir = cacheDir.resolve("run");
    var self = ProcessHandle.current();
    this.ownFile = runDir.resolve(self.pid() + SUFFIX);
  }

  /** Kills what JVMs that no longer exist left behind. Returns how many processes it killed. */
  int reapLeftovers() {
    if (!Files.isDirectory(runDir)) {
      return 0;
    }
    int killed = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(runDir, "*" + SUFFIX)) {
      for (Path file : files) {
        if (file.equals(ownFile)) {
          continue;
        }
        List<String> lines;
        try {
          lines = Files.readAllLines(file);
        } catch (IOException e) {
          continue; // being written by a starting JVM, or gone: not ours to judge
        }
        if (lines.isEmpty() || ownerAlive(lines.get(0))) {
          continue;
        }
        for (String line : lines.subList(1, lines.size())) {
          killed += reap(Entry.parse(line)) ? 1 : 0;
        }
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (killed > 0) {
      LOG.log(System.Logger.Level.WARNING,
          "Killed " + killed + " kube-apiserver/etcd process(es) left by a JVM that was killed");
    }
    return killed;
  }

  /**
   * Records the children of this JVM that run one of the given binaries. Called right after start;
   * the short window before it is the only time a SIGKILL can still leak processes.
   */
  synchronized List<ProcessHandle> recordChildren(Collection<Path> binaries) {
    recordedBinaries.addAll(binaries);
    Set<String> wanted = new java.util.HashSet<>();
    for (Path binary : binaries) {
      try {
        wanted.add(binary.toRealPath().toString());
      } catch (IOException e) {
        wanted.add(binary.toAbsolutePath().toString());
      }
    }
    // /proc/<pid>/exe is what ProcessHandle reports as the command: the resolved binary path
    List<ProcessHandle> found = ProcessHandle.current().children()
        .filter(p -> p.info().command().map(wanted::contains).orElse(false))
        .toList();
    var lines = new ArrayList<String>();
    lines.add(ownerLine(ProcessHandle.current()));
    found.forEach(p -> lines.add(Entry.of(p).format()));
    try {
      Files.createDirectories(runDir);
      Path tmp = Files.createTempFile(runDir, "pids", ".tmp");
      Files.write(tmp, lines);
      Files.move(tmp, ownFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return found;
  }

  /**
   * After one control plane of this JVM stopped cleanly: records what other control planes of this
   * JVM still run (the demo, the benchmark and a metrics test start their own beside the shared
   * one), and forgets the record only when nothing is left.
   */
  synchronized void clear() {
    if (!recordedBinaries.isEmpty() && !recordChildren(List.copyOf(recordedBinaries)).isEmpty()) {
      return;
    }
    try {
      Files.deleteIfExists(ownFile);
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "Cannot delete " + ownFile, e);
    }
  }

  private static String ownerLine(ProcessHandle p) {
    return p.pid() + "\t" + p.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
  }

  private static boolean ownerAlive(String ownerLine) {
    String[] f = ownerLine.split("\t");
    long pid = Long.parseLong(f[0]);
    long start = Long.parseLong(f[1]);
    return ProcessHandle.of(pid)
        .filter(ProcessHandle::isAlive)
        .map(p -> p.info().startInstant().map(Instant::toEpochMilli).orElse(0L) == start)
        .orElse(false);
  }

  private static boolean reap(Entry e) {
    Optional<ProcessHandle> p = ProcessHandle.of(e.pid()).filter(ProcessHandle::isAlive)
        .filter(h -> h.info().startInstant().map(Instant::toEpochMilli).orElse(-1L) == e.start())
        .filter(h -> h.info().command().map(e.command()::equals).orElse(false));
    boolean killed = false;
    if (p.isPresent()) {
      p.get().destroyForcibly();
      try {
        p.get().onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // best effort: it was sent SIGKILL
      }
      killed = true;
    }
    e.dataDirs().forEach(ProcessReaper::deleteEtcdDir);
    return killed;
  }

  /** Only directories kube-api-test itself creates for etcd (etcddata*, etcdwal*) are deleted. */
  private static void deleteEtcdDir(String dir) {
    Path path = Path.of(dir);
    String name = path.getFileName() == null ? "" : path.getFileName().toString();
    if (!(name.startsWith("etcddata") || name.startsWith("etcdwal")) || !Files.isDirectory(path)) {
      return;
    }
    try (Stream<Path> all = Files.walk(path)) {
      all.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException ignored) {
      // temp files; the OS cleans /tmp eventually
    }
  }

  /** One recorded process: pid, start time, executable, etcd data dirs (comma separated). */
  record Entry(long pid, long start, String command, List<String> dataDirs) {

    static Entry of(ProcessHandle p) {
      var info = p.info();
      String[] args = info.arguments().orElse(new String[0]);
      var dirs = new ArrayList<String>();
      for (int i = 0; i + 1 < args.length; i++) {
        if (args[i].equals("-data-dir") || args[i].equals("-wal-dir")) {
          dirs.add(args[i + 1]);
        }
      }
      return new Entry(p.pid(), info.startInstant().map(Instant::toEpochMilli).orElse(0L),
          info.command().orElse(""), dirs);
    }

    static Entry parse(String line) {
      String[] f = line.split("\t", -1);
      List<String> dirs = f.length > 3 && !f[3].isEmpty() ? List.of(f[3].split(",")) : List.of();
      return new Entry(Long.parseLong(f[0]), Long.parseLong(f[1]), f[2], dirs);
    }

    String format() {
      return pid + "\t" + start + "\t" + command + "\t" + String.join(",", dataDirs);
    }
  }

}
