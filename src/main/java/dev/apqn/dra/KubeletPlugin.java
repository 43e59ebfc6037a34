package dev.apqn.dra;

import dev.apqn.api.v1alpha1.Consumer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.okhttp.OkHttpServerBuilder;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The agent's kubelet plugin for DRA driver {@code apqn.dev} (docs/dra.md): two gRPC servers on Unix sockets,
 * the registration service on {@code <registryDir>/apqn.dev-reg.sock} (the kubelet's plugin watcher finds it
 * there) and the DRA node service ({@code v1.DRAPlugin}, {@code v1beta1.DRAPlugin}) on
 * {@code <pluginsDir>/apqn.dev/dra.sock}. The servers are grpc-okhttp's over Java's own Unix domain sockets
 * ({@link UnixServerSocketFactory}: pure Java, so it runs on s390x). Stale socket files are replaced at start,
 * the sockets are mode 0600, and they are removed at {@link #close} (the kubelet then deregisters the driver).
 */
public final class KubeletPlugin implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(KubeletPlugin.class);

    /**
     * The host directories the plugin works in; the agent's pod mounts each at the host's own path (the CDI
     * spec names metadata files by the path the runtime sees).
     *
     * @param pluginsDir  the kubelet's plugins directory ({@code /var/lib/kubelet/plugins})
     * @param registryDir the kubelet's plugin registry ({@code /var/lib/kubelet/plugins_registry})
     * @param cdiDir      the container runtime's CDI spec directory ({@code /var/run/cdi})
     */
    public record Dirs(Path pluginsDir, Path registryDir, Path cdiDir) {
        public Dirs {
            Objects.requireNonNull(pluginsDir, "pluginsDir");
            Objects.requireNonNull(registryDir, "registryDir");
            Objects.requireNonNull(cdiDir, "cdiDir");
        }

        public Path registrationSocket() {
            return registryDir.resolve(DraDriver.NAME + "-reg.sock");
        }

        public Path draSocket() {
            return pluginsDir.resolve(DraDriver.NAME).resolve("dra.sock");
        }

        Path metadataDir() {
            return pluginsDir.resolve(DraDriver.NAME).resolve("metadata");
        }
    }

    private final ClaimCheckpoint checkpoint;
    private final ClaimPreparer preparer;
    private final Server dra;
    private final Server registration;

    private KubeletPlugin(ClaimCheckpoint checkpoint, ClaimPreparer preparer, Server dra, Server registration) {
        this.checkpoint = checkpoint;
        this.preparer = preparer;
        this.dra = dra;
        this.registration = registration;
    }

    /**
     * Opens the checkpoint in {@code ledgerDir}, serves the DRA socket, then the registration socket (the kubelet
     * dials the DRA socket as soon as it sees the registration). {@code onChange} runs after each prepare and
     * unprepare call (the agent reports the consumers).
     */
    public static KubeletPlugin start(KubernetesClient client, Dirs dirs, Path ledgerDir, NodeDevices node, Runnable onChange)
            throws IOException {
        ClaimCheckpoint checkpoint = ClaimCheckpoint.open(ledgerDir);
        ClaimPreparer preparer = new ClaimPreparer(client, node, checkpoint, new CdiSpecs(dirs.cdiDir()),
                new DeviceMetadata(dirs.metadataDir()));
        DraNodeService v1 = new DraNodeService(preparer, onChange);
        Server dra = serve(OkHttpServerBuilder.forPort(UnixDomainSocketAddress.of(dirs.draSocket()),
                InsecureServerCredentials.create()).addService(v1).addService(new DraNodeServiceV1beta1(v1)));
        Server registration;
        try {
            registration = serve(OkHttpServerBuilder.forPort(
                    UnixDomainSocketAddress.of(dirs.registrationSocket()), InsecureServerCredentials.create())
                    .addService(new RegistrationService(dirs.draSocket())));
        } catch (IOException | RuntimeException e) {
            stop(dra);
            throw e;
        }
        LOG.infof("DRA driver %s: kubelet plugin on %s (registration %s), CDI specs in %s, %d claims prepared before",
                DraDriver.NAME, dirs.draSocket(), dirs.registrationSocket(), dirs.cdiDir(), checkpoint.all().size());
        return new KubeletPlugin(checkpoint, preparer, dra, registration);
    }

    private static Server serve(OkHttpServerBuilder builder) throws IOException {
        // pure Java: grpc-okhttp's HTTP/2 server over UnixServerSocket (no native transport exists for s390x)
        return builder.socketFactory(new UnixServerSocketFactory()).build().start();
    }

    /**
     * The prepared claim that holds {@code mdev} ("ResourceClaim ns/name of pod ns/pod"), if any: the converger
     * keeps such an mdev (InUse) until the kubelet unprepares the claim.
     */
    public Optional<String> claimUsing(UUID mdev) {
        return checkpoint.claimUsing(mdev);
    }

    /** Per reservation ({@code namespace/name}), the claims prepared with its mdev: {@code status.reservations[].consumers}. */
    public Map<String, List<Consumer>> consumers() {
        Map<String, List<Consumer>> out = new TreeMap<>();
        preparer.byReservation().forEach((reservation, claims) -> {
            List<Consumer> list = new ArrayList<>();
            for (PreparedClaim c : claims) {
                list.add(new Consumer(c.ref(), c.uid(), c.pod(), c.since()));
            }
            out.put(reservation, list);
        });
        return out;
    }

    /** Stops both servers and removes their sockets; the checkpoint, CDI specs and metadata stay (a restart continues). */
    @Override
    public void close() {
        stop(registration);
        stop(dra);
    }

    private static void stop(Server s) {
        s.shutdown();
        try {
            if (!s.awaitTermination(5, TimeUnit.SECONDS)) {
                s.shutdownNow();
            }
        } catch (InterruptedException e) {
            s.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
