package dev.apqn.dra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apqn.dra.kubelet.registration.PluginInfo;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.okhttp.OkHttpServerBuilder;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin's transport on its own: grpc-okhttp's server over {@link UnixServerSocketFactory} takes over a
 * socket path a crashed agent left behind, makes the socket 0600, answers a client on another transport
 * (Netty epoll, {@link KubeletSide}), and removes the socket when it stops.
 */
class UnixServerSocketTest {

    @TempDir
    Path dir;

    @Test
    void aStaleSocketIsReplacedAndTheNewOneIsPrivateServedAndRemovedAtStop() throws Exception {
        Path socket = dir.resolve("plugins_registry/apqn.dev-reg.sock");
        Files.createDirectories(socket.getParent());
        // what a killed agent leaves: a bound socket file nobody listens on (closing a channel keeps the file)
        try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            crashed.bind(UnixDomainSocketAddress.of(socket));
        }
        assertThat(socket).exists();

        Path endpoint = dir.resolve("plugins/apqn.dev/dra.sock");
        Server server = OkHttpServerBuilder.forPort(UnixDomainSocketAddress.of(socket), InsecureServerCredentials.create())
                .socketFactory(new UnixServerSocketFactory()).addService(new RegistrationService(endpoint)).build().start();
        try (KubeletSide kubelet = new KubeletSide()) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
            PluginInfo info = kubelet.getInfo(socket);
            assertThat(info.getName()).isEqualTo(DraDriver.NAME);
            assertThat(info.getEndpoint()).isEqualTo(endpoint.toString());
            // a second connection after the first closed: the accept loop goes on
            assertThat(kubelet.getInfo(socket)).isEqualTo(info);
        } finally {
            server.shutdown().awaitTermination();
        }
        assertThat(socket).doesNotExist();
    }
}
