package dev.apqn.dra;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import javax.net.ServerSocketFactory;

/**
 * Hands grpc-okhttp's server ({@code OkHttpServerBuilder.socketFactory}) a {@link UnixServerSocket}, so that
 * the kubelet plugin serves gRPC over a Unix domain socket in pure Java.
 *
 * <p>Why this transport: the agent runs on s390x. grpc-netty-shaded serves Unix sockets only through its
 * native epoll library, which is published for x86_64 and aarch64 but not for s390x; grpc-okhttp is plain
 * Java (its server speaks HTTP/2 over any {@link java.net.Socket}), and Java 16+ has Unix domain sockets
 * of its own ({@code ServerSocketChannel.open(StandardProtocolFamily.UNIX)}). Nothing native is loaded.
 */
public final class UnixServerSocketFactory extends ServerSocketFactory {

    @Override
    public ServerSocket createServerSocket() throws IOException {
        return new UnixServerSocket();
    }

    @Override
    public ServerSocket createServerSocket(int port) {
        throw new UnsupportedOperationException("a Unix domain socket has a path, not a port");
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog) {
        throw new UnsupportedOperationException("a Unix domain socket has a path, not a port");
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog, InetAddress ifAddress) {
        throw new UnsupportedOperationException("a Unix domain socket has a path, not a port");
    }
}
