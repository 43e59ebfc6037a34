package dev.apqn.dra;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A {@link ServerSocket} face on a Java 16+ Unix domain {@link ServerSocketChannel}: what grpc-okhttp's
 * server calls ({@code bind}, {@code accept}, {@code getLocalSocketAddress}, {@code close}) and no more.
 * {@link #bind} removes a stale socket file (one a previous agent left behind: binding over it fails with
 * "address in use") and makes the new one mode 0600: only root (the kubelet) and the agent's user connect.
 */
final class UnixServerSocket extends ServerSocket {

    private final ServerSocketChannel channel;
    private volatile UnixDomainSocketAddress bound;

    UnixServerSocket() throws IOException {
        this.channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    }

    @Override
    public void bind(SocketAddress endpoint) throws IOException {
        bind(endpoint, 0);
    }

    @Override
    public void bind(SocketAddress endpoint, int backlog) throws IOException {
        if (!(endpoint instanceof UnixDomainSocketAddress address)) {
            throw new SocketException("not a Unix domain socket address: " + endpoint);
        }
        Path path = address.getPath();
        Files.createDirectories(path.toAbsolutePath().getParent());
        Files.deleteIfExists(path);
        channel.bind(address, backlog);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        bound = address;
    }

    @Override
    public Socket accept() throws IOException {
        return new UnixSocket(channel.accept(), bound);
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return bound;
    }

    @Override
    public boolean isBound() {
        return bound != null;
    }

    @Override
    public boolean isClosed() {
        return !channel.isOpen();
    }

    /** Closes the channel (a blocked {@link #accept} throws) and removes the socket file. */
    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            if (bound != null) {
                Files.deleteIfExists(bound.getPath());
            }
            super.close();
        }
    }
}
