package dev.apqn.dra;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * A {@link Socket} face on one accepted Unix domain {@link SocketChannel}, for grpc-okhttp's server transport
 * (it reads and writes through Okio on {@link #getInputStream}/{@link #getOutputStream}, asks for the addresses
 * and sets TCP_NODELAY, meaningless here).
 *
 * <p>The streams call the channel directly rather than through {@code Channels.newInputStream}: those
 * synchronize reads and writes of a blocking channel on one lock, and HTTP/2 reads and writes at the same
 * time from two threads (a reader blocked waiting for the client would stop every response).
 */
final class UnixSocket extends Socket {

    private final SocketChannel channel;
    private final SocketAddress local;
    private final InputStream in;
    private final OutputStream out;

    UnixSocket(SocketChannel channel, SocketAddress local) {
        this.channel = channel;
        this.local = local;
        this.in = new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                return channel.read(ByteBuffer.wrap(b, off, len));
            }

            @Override
            public void close() throws IOException {
                UnixSocket.this.close();
            }
        };
        this.out = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                while (buf.hasRemaining()) {
                    channel.write(buf);
                }
            }

            @Override
            public void close() throws IOException {
                UnixSocket.this.close();
            }
        };
    }

    @Override
    public InputStream getInputStream() {
        return in;
    }

    @Override
    public OutputStream getOutputStream() {
        return out;
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return local;
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        // a kubelet's client socket is unnamed; the channel says so with an empty path
        try {
            return channel.getRemoteAddress();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void setTcpNoDelay(boolean on) {
        // not TCP: nothing to disable
    }

    @Override
    public boolean isConnected() {
        return channel.isConnected();
    }

    @Override
    public boolean isClosed() {
        return !channel.isOpen();
    }

    @Override
    public void shutdownInput() throws IOException {
        channel.shutdownInput();
    }

    @Override
    public void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }
}
