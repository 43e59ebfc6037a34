package dev.apqn.testing;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real kube-apiserver + etcd on this machine (no nodes, no controllers), started through
 * io.fabric8:kube-api-test from the pinned binaries that {@code hack/control-plane.sh ensure}
 * provides. Used by {@link KubeApiServerExtension} for the {@code *IT} tests and, through
 * {@link #main}, by the demo. Test scope only: it is not part of the operator's artifact.
 *
 * <p>What is configured, and why:
 * <ul>
 * <li>offline, with an explicit test dir and version, all through the builder: kube-api-test's
 * boolean and number environment variables throw ClassCastException, and setting every value
 * on the builder means they are never read;</li>
 * <li>RBAC authorization (kube-api-test passes {@code --authorization-mode RBAC}); the admin
 * client authenticates with a {@code system:masters} client certificate;</li>
 * <li>a fixed service-account issuer ({@link #SERVICE_ACCOUNT_ISSUER}) and signing key (the
 * server key that kube-api-test keeps in the cache dir), so TokenRequest can mint tokens that
 * authenticate as service accounts ({@link #serviceAccountToken}).</li>
 * </ul>
 */
public final class LocalControlPlane implements AutoCloseable {

  /** The issuer of minted service-account tokens; the first --service-account-issuer is used. */
  public static final String SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local";

  private static final System.Logger LOG = System.getLogger(LocalControlPlane.class.getName());
  private static final String ENSURE_HINT =
      "run `hack/control-plane.sh ensure` (or `make control-plane`) from the repository root; it"
          + " builds or fetches the pinned binaries into that directory";

  private final Path cacheDir;
  private final String kubernetesVersion;
  private final Path binaryDir;
  private final ProcessReaper reaper;
  private final List<KubernetesClient> clients = new CopyOnWriteArrayList<>();
  private final Thread shutdownHook = new Thread(this::stop, "local-control-plane-stop");
  private KubeAPIServer server;
  private String kubeconfig;
  private KubernetesClient admin;
  private volatile boolean stopped;
  private int reapedAtStart;

  private LocalControlPlane() {
    this.cacheDir = cacheDir();
    this.kubernetesVersion = pinnedVersions().getProperty("KUBERNETES_VERSION");
    this.binaryDir = cacheDir.resolve("k8s").resolve(kubernetesVersion + "-linux-" + arch());
    this.reaper = new ProcessReaper(cacheDir);
  }

  /** Starts a new API server and etcd; blocks until the server answers. */
  public static LocalControlPlane start() {
    var cp = new LocalControlPlane();
    cp.doStart();
    return cp;
  }

  /**
   * The binary cache: system property {@code kube-api-test.dir}, then the environment variable
   * {@code KUBE_API_TEST_DIR}, then {@code ~/.cache/apqn-operator/kube-api-test}; the same order
   * as {@code hack/control-plane.sh}, so both sides agree.
   */
  public static Path cacheDir() {
    String dir = System.getProperty("kube-api-test.dir");
    if (dir == null || dir.isBlank()) {
      dir = System.getenv("KUBE_API_TEST_DIR");
    }
    if (dir == null || dir.isBlank()) {
      return Path.of(System.getProperty("user.home"), ".cache", "apqn-operator", "kube-api-test");
    }
    return Path.of(dir).toAbsolutePath();
  }

  /**
   * The pins of hack/control-plane/versions.env, found from the working directory upwards (Maven
   * runs tests in the module directory; an IDE may run them in a sub directory).
   */
  static Properties pinnedVersions() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path file = d.resolve("hack/control-plane/versions.env");
      if (Files.isRegularFile(file)) {
        var props = new Properties();
        try (var in = Files.newBufferedReader(file)) {
          props.load(in); // KEY=value and # comments: the shell file is valid properties too
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return props;
      }
    }
    throw new IllegalStateException("hack/control-plane/versions.env not found above "
        + Path.of("").toAbsolutePath() + ": run the tests from the apqn-operator repository");
  }

  private static String arch() {
    // the same mapping as kube-api-test's OSInfo, which names the directory it looks in
    return System.getProperty("os.arch").equals("aarch64") ? "arm64" : "amd64";
  }

  private void doStart() {
    var missing = Stream.of("kube-apiserver", "etcd", "kubectl")
        .filter(b -> !Files.isExecutable(binaryDir.resolve(b))).toList();
    if (!missing.isEmpty()) {
      throw new IllegalStateException("Missing " + String.join(", ", missing) + " in " + binaryDir
          + ": " + ENSURE_HINT + ". (Directory: system property kube-api-test.dir, else"
          + " KUBE_API_TEST_DIR, else ~/.cache/apqn-operator/kube-api-test.)");
    }
    renewExpiringCertificates();
    reapedAtStart = reaper.reapLeftovers();
    var config = KubeAPIServerConfigBuilder.anAPIServerConfig()
        .withTestDir(cacheDir.toString())
        .withApiServerVersion(kubernetesVersion)
        .withOfflineMode(true)
        .withUpdateKubeConfig(false) // never touch the user's ~/.kube/config
        .withWaitForEtcdHealthCheckOnStartup(false)
        // generous: a loaded 2-core CI machine can take a while; readiness is polled, not slept
        .withStartupTimeout(180_000)
        .withApiServerFlag("--service-account-issuer", SERVICE_ACCOUNT_ISSUER)
        .build();
    server = new KubeAPIServer(config);
    // registered before start, so a Ctrl-C or a failing test during start-up still stops both
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    long t0 = System.nanoTime();
    try {
      server.start();
    } catch (RuntimeException e) {
      stop();
      throw new IllegalStateException("kube-apiserver " + kubernetesVersion + " from " + binaryDir
          + " did not start (its output is logged under io.fabric8.kubeapitest.process): "
          + e.getMessage(), e);
    }
    var started = reaper.recordChildren(
        List.of(binaryDir.resolve("kube-apiserver"), binaryDir.resolve("etcd")));
    kubeconfig = server.getKubeConfigYaml();
    admin = track(new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfig)).build());
    LOG.log(System.Logger.Level.INFO, "kube-apiserver " + kubernetesVersion + " ready at "
        + admin.getMasterUrl() + " in " + Duration.ofNanos(System.nanoTime() - t0).toMillis()
        + " ms (pids " + started.stream().map(p -> String.valueOf(p.pid())).toList() + ")");
  }

  /**
   * kube-api-test creates its certificates once per directory, valid for a year, and never
   * renews them; a cache that lives longer would fail every start. Delete them before they
   * expire so kube-api-test makes new ones.
   */
  private void renewExpiringCertificates() {
    var names = List.of("apiserver.crt", "apiserver.key", "client.crt", "client.key");
    boolean renew = false;
    for (String crt : List.of("apiserver.crt", "client.crt")) {
      Path file = cacheDir.resolve(crt);
      if (!Files.exists(file)) {
        continue;
      }
      try (InputStream in = Files.newInputStream(file)) {
        var cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        renew |= cert.getNotAfter().toInstant().isBefore(Instant.now().plus(Duration.ofDays(2)));
      } catch (Exception e) {
        renew = true; // unreadable: regenerate
      }
    }
    if (renew) {
      for (String name : names) {
        try {
          Files.deleteIfExists(cacheDir.resolve(name));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
  }

  /** Stops the API server and etcd and closes every client handed out. Idempotent. */
  public synchronized void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    clients.forEach(KubernetesClient::close);
    if (server != null) {
      try {
        server.stop();
      } catch (RuntimeException e) {
        // kube-api-test stops itself when a process dies unexpectedly; a second stop then fails
        // cleaning the already deleted etcd data directory
        LOG.log(System.Logger.Level.DEBUG, "kube-api-test stop", e);
      }
    }
    reaper.clear();
    if (Thread.currentThread() != shutdownHook) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException | IllegalArgumentException ignored) {
        // JVM already shutting down, or never registered
      }
    }
  }

  @Override
  public void close() {
    stop();
  }

  /**
   * Starts the pinned kube-scheduler (beside kube-apiserver; {@code hack/control-plane.sh ensure} provides
   * it) against this API server as the admin user, without leader election or a serving port, logging to
   * {@code dir/kube-scheduler.log}. It places pods and allocates their ResourceClaims (DRA) like in a
   * cluster; no kubelet runs them. Recorded for the reaper like the API server; destroy it when done.
   */
  public Process startKubeScheduler(Path dir) {
    Path binary = binaryDir.resolve("kube-scheduler");
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException("Missing kube-scheduler in " + binaryDir + ": " + ENSURE_HINT);
    }
    try {
      Path kubeconfigFile = writeKubeconfig(dir.resolve("scheduler.kubeconfig"));
      Process p = new ProcessBuilder(binary.toString(), "--kubeconfig=" + kubeconfigFile, "--leader-elect=false",
          "--secure-port=0", "--v=2")
          .redirectErrorStream(true).redirectOutput(dir.resolve("kube-scheduler.log").toFile()).start();
      reaper.recordChildren(List.of(binaryDir.resolve("kube-apiserver"), binaryDir.resolve("etcd"), binary));
      Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly, "kube-scheduler-stop"));
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The pinned kubectl beside this control plane's kube-apiserver. */
  public Path kubectl() {
    return binaryDir.resolve("kubectl");
  }

  public String kubernetesVersion() {
    return kubernetesVersion;
  }

  /** The kubeconfig YAML of the admin user (a system:masters client certificate). */
  public String kubeconfigYaml() {
    return kubeconfig;
  }

  /** Writes the admin kubeconfig to {@code file}; it points at certificates in the cache dir. */
  public Path writeKubeconfig(Path file) {
    try {
      Path abs = file.toAbsolutePath();
      Files.createDirectories(abs.getParent());
      Files.writeString(abs, kubeconfig);
      return abs;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The shared admin client; closed by {@link #stop()}. */
  public KubernetesClient adminClient() {
    return admin;
  }

  /**
   * A client that acts as {@code who} through impersonation (the admin certificate may
   * impersonate anyone), so RBAC and admission see exactly that user, its groups and extras.
   */
  public KubernetesClient clientFor(Identity who) {
    Config config = Config.fromKubeconfig(kubeconfig);
    config.setImpersonateUsername(who.user());
    config.setImpersonateGroups(who.groups().toArray(String[]::new));
    Map<String, List<String>> extras = new LinkedHashMap<>();
    who.extra().forEach((k, v) -> extras.put(escapeExtraKey(k), v));
    config.setImpersonateExtras(extras);
    return track(new KubernetesClientBuilder().withConfig(config).build());
  }

  /**
   * Impersonate-Extra-&lt;key&gt; is an HTTP header name, so keys such as {@code apqn.dev/team}
   * must be percent-encoded (the API server lower-cases and unescapes them); Fabric8 sends keys
   * as given, so do what client-go does.
   */
  static String escapeExtraKey(String key) {
    var sb = new StringBuilder();
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      boolean token = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!#$&'*+-.^_`|~".indexOf(c) >= 0;
      if (token) {
        sb.append(c);
      } else {
        sb.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return sb.toString();
  }

  /**
   * Mints a token for a service account through the TokenRequest API (the account must exist;
   * there is no controller manager here to create them).
   */
  public String serviceAccountToken(String namespace, String name) {
    var request = new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build();
    return admin.serviceAccounts().inNamespace(namespace).withName(name).tokenRequest(request)
        .getStatus().getToken();
  }

  /** A client that authenticates with a bearer token only (no client certificate). */
  public KubernetesClient clientWithToken(String token) {
    Config base = Config.fromKubeconfig(kubeconfig);
    Config config = new ConfigBuilder(Config.empty())
        .withMasterUrl(base.getMasterUrl())
        .withCaCertFile(base.getCaCertFile())
        .withOauthToken(token)
        .build();
    return track(new KubernetesClientBuilder().withConfig(config).build());
  }

  /**
   * Applies the CRDs found in the given locations (a classpath resource, else a file, or a
   * directory of *.yaml) with server-side apply and waits until each is Established, i.e. served.
   */
  public List<CustomResourceDefinition> applyCrds(String... locations) {
    var applied = new ArrayList<CustomResourceDefinition>();
    for (String location : locations) {
      for (byte[] yaml : read(location)) {
        for (HasMetadata item : admin.load(new ByteArrayInputStream(yaml)).items()) {
          if (item instanceof CustomResourceDefinition crd) {
            crd.getMetadata().setResourceVersion(null);
            applied.add(admin.resource(crd).fieldManager("apqn-tests").forceConflicts().serverSideApply());
          }
        }
      }
    }
    for (CustomResourceDefinition crd : applied) {
      admin.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
          .waitUntilCondition(LocalControlPlane::established, 60, TimeUnit.SECONDS);
    }
    return applied;
  }

  /**
   * Creates a namespace with a unique name starting with {@code prefix}, so test classes that
   * share the server never see each other's objects. Namespaces are not deleted afterwards: there
   * is no namespace controller here to finish a deletion, and the server is thrown away anyway.
   */
  public String createNamespace(String prefix, Map<String, String> labels) {
    String name = prefix + "-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    admin.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
        .withNewMetadata().withName(name).withLabels(labels).endMetadata().build()).create();
    return name;
  }

  public String createNamespace(String prefix) {
    return createNamespace(prefix, Map.of());
  }

  private static boolean established(CustomResourceDefinition crd) {
    return crd != null && crd.getStatus() != null && crd.getStatus().getConditions() != null
        && crd.getStatus().getConditions().stream()
            .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static List<byte[]> read(String location) {
    try {
      var loader = Thread.currentThread().getContextClassLoader();
      String resource = location.startsWith("/") ? location.substring(1) : location;
      try (InputStream in = loader.getResourceAsStream(resource)) {
        if (in != null) {
          return List.of(in.readAllBytes());
        }
      }
      Path path = Path.of(location);
      if (Files.isDirectory(path)) {
        try (Stream<Path> files = Files.list(path)) {
          var out = new ArrayList<byte[]>();
          for (Path f : files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
              .sorted().toList()) {
            out.add(Files.readAllBytes(f));
          }
          return out;
        }
      }
      if (Files.isRegularFile(path)) {
        return List.of(Files.readAllBytes(path));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new IllegalArgumentException("CRD location not found on the classpath or disk: " + location);
  }

  private KubernetesClient track(KubernetesClient client) {
    clients.add(client);
    return client;
  }

  /**
   * Runs the control plane for the demo or a developer until Ctrl-C: writes the admin kubeconfig
   * and prints the line to use it. Arguments: {@code [kubeconfig-path] [--crds path]...}.
   */
  public static void main(String[] args) throws InterruptedException {
    Path kubeconfigPath = Path.of("target", "local-control-plane", "kubeconfig");
    var crds = new ArrayList<String>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--crds") && i + 1 < args.length) {
        crds.add(args[++i]);
      } else if (args[i].equals("--help") || args[i].equals("-h")) {
        System.out.println("usage: LocalControlPlane [kubeconfig-path] [--crds file-or-dir]...");
        return;
      } else {
        kubeconfigPath = Path.of(args[i]);
      }
    }
    var cp = start(); // its shutdown hook stops it on Ctrl-C / SIGTERM
    if (!crds.isEmpty()) {
      cp.applyCrds(crds.toArray(String[]::new));
    }
    Path written = cp.writeKubeconfig(kubeconfigPath);
    // printed, not logged: under a plain `java` or exec:java the test logging setup prints nothing
    if (cp.reapedAtStart > 0) {
      System.out.println("Killed " + cp.reapedAtStart + " kube-apiserver/etcd process(es) left by a killed JVM");
    }
    System.out.println("Kubernetes " + cp.kubernetesVersion() + " API server at "
        + cp.adminClient().getMasterUrl() + " (Ctrl-C stops it)");
    System.out.println("export KUBECONFIG=" + written);
    System.out.flush();
    new CountDownLatch(1).await();
  }

}
