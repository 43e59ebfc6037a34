package dev.apqn.dra;

import dev.apqn.dra.kubelet.registration.InfoRequest;
import dev.apqn.dra.kubelet.registration.PluginInfo;
import dev.apqn.dra.kubelet.registration.RegistrationGrpc;
import dev.apqn.dra.kubelet.registration.RegistrationStatus;
import dev.apqn.dra.kubelet.v1.Claim;
import dev.apqn.dra.kubelet.v1.DRAPluginGrpc;
import dev.apqn.dra.kubelet.v1.NodePrepareResourceResponse;
import dev.apqn.dra.kubelet.v1.NodePrepareResourcesRequest;
import dev.apqn.dra.kubelet.v1.NodeUnprepareResourceResponse;
import dev.apqn.dra.kubelet.v1.NodeUnprepareResourcesRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The kubelet's side of our plugin's sockets, as the kubelet speaks it: a gRPC client on a Unix socket path,
 * {@code GetInfo} and {@code NotifyRegistrationStatus} on the registration socket, then the DRA service at the
 * endpoint the plugin named. Its transport is Netty's native epoll Unix socket (x86_64, test scope), not the
 * plugin's grpc-okhttp over Java's Unix sockets, so a test through it does not check our adapter against itself.
 * A fresh channel per call, as the kubelet reconnects after a plugin restart.
 */
public final class KubeletSide implements AutoCloseable {

    private final EpollEventLoopGroup loop = new EpollEventLoopGroup(1);

    private ManagedChannel channel(Path socket) {
        return NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString())).eventLoopGroup(loop)
                .channelType(EpollDomainSocketChannel.class).usePlaintext().build();
    }

    public PluginInfo getInfo(Path registrationSocket) {
        ManagedChannel c = channel(registrationSocket);
        try {
            return RegistrationGrpc.newBlockingStub(c).withDeadlineAfter(10, TimeUnit.SECONDS).getInfo(InfoRequest.getDefaultInstance());
        } finally {
            c.shutdownNow();
        }
    }

    public void notifyRegistered(Path registrationSocket) {
        ManagedChannel c = channel(registrationSocket);
        try {
            RegistrationGrpc.newBlockingStub(c).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .notifyRegistrationStatus(RegistrationStatus.newBuilder().setPluginRegistered(true).build());
        } finally {
            c.shutdownNow();
        }
    }

    /** NodePrepareResources (v1.DRAPlugin) of one claim; the plugin's answer for it. */
    public NodePrepareResourceResponse prepare(Path endpoint, String namespace, String name, String uid) {
        ManagedChannel c = channel(endpoint);
        try {
            var r = DRAPluginGrpc.newBlockingStub(c).withDeadlineAfter(30, TimeUnit.SECONDS).nodePrepareResources(
                    NodePrepareResourcesRequest.newBuilder().addClaims(claim(namespace, name, uid)).build());
            return r.getClaimsOrThrow(uid);
        } finally {
            c.shutdownNow();
        }
    }

    /** The same through v1beta1.DRAPlugin, answered in v1's terms for comparison. */
    public NodePrepareResourceResponse prepareV1beta1(Path endpoint, String namespace, String name, String uid) throws Exception {
        ManagedChannel c = channel(endpoint);
        try {
            var r = dev.apqn.dra.kubelet.v1beta1.DRAPluginGrpc.newBlockingStub(c).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .nodePrepareResources(dev.apqn.dra.kubelet.v1beta1.NodePrepareResourcesRequest.newBuilder()
                            .addClaims(dev.apqn.dra.kubelet.v1beta1.Claim.newBuilder().setNamespace(namespace).setName(name).setUid(uid))
                            .build());
            return NodePrepareResourceResponse.parseFrom(r.getClaimsOrThrow(uid).toByteString());
        } finally {
            c.shutdownNow();
        }
    }

    public NodeUnprepareResourceResponse unprepare(Path endpoint, String namespace, String name, String uid) {
        ManagedChannel c = channel(endpoint);
        try {
            var r = DRAPluginGrpc.newBlockingStub(c).withDeadlineAfter(30, TimeUnit.SECONDS).nodeUnprepareResources(
                    NodeUnprepareResourcesRequest.newBuilder().addClaims(claim(namespace, name, uid)).build());
            return r.getClaimsOrThrow(uid);
        } finally {
            c.shutdownNow();
        }
    }

    private static Claim claim(String namespace, String name, String uid) {
        return Claim.newBuilder().setNamespace(namespace).setName(name).setUid(uid).build();
    }

    @Override
    public void close() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
