package dev.apqn.dra;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import dev.apqn.dra.kubelet.v1beta1.DRAPluginGrpc;
import dev.apqn.dra.kubelet.v1beta1.NodePrepareResourcesRequest;
import dev.apqn.dra.kubelet.v1beta1.NodePrepareResourcesResponse;
import dev.apqn.dra.kubelet.v1beta1.NodeUnprepareResourcesRequest;
import dev.apqn.dra.kubelet.v1beta1.NodeUnprepareResourcesResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

/**
 * The DRA node service {@code v1beta1.DRAPlugin}, for a kubelet that picks it (1.34 prefers v1). Its messages are
 * field for field those of v1 (the two .proto files differ only in their package), so each call is passed to
 * {@link DraNodeService} by re-reading the bytes as the other version's message.
 */
final class DraNodeServiceV1beta1 extends DRAPluginGrpc.DRAPluginImplBase {

    private final DraNodeService v1;

    DraNodeServiceV1beta1(DraNodeService v1) {
        this.v1 = v1;
    }

    @Override
    public void nodePrepareResources(NodePrepareResourcesRequest request, StreamObserver<NodePrepareResourcesResponse> response) {
        v1.nodePrepareResources(convert(request, dev.apqn.dra.kubelet.v1.NodePrepareResourcesRequest.parser()),
                relay(response, NodePrepareResourcesResponse.parser()));
    }

    @Override
    public void nodeUnprepareResources(NodeUnprepareResourcesRequest request, StreamObserver<NodeUnprepareResourcesResponse> response) {
        v1.nodeUnprepareResources(convert(request, dev.apqn.dra.kubelet.v1.NodeUnprepareResourcesRequest.parser()),
                relay(response, NodeUnprepareResourcesResponse.parser()));
    }

    private static <T> T convert(MessageLite m, Parser<T> parser) {
        try {
            return parser.parseFrom(m.toByteString());
        } catch (InvalidProtocolBufferException e) {
            throw Status.INTERNAL.withDescription("v1 and v1beta1 DRA messages differ: " + e.getMessage()).asRuntimeException();
        }
    }

    private static <V1 extends MessageLite, B> StreamObserver<V1> relay(StreamObserver<B> to, Parser<B> parser) {
        return new StreamObserver<>() {
            @Override
            public void onNext(V1 value) {
                to.onNext(convert(value, parser));
            }

            @Override
            public void onError(Throwable t) {
                to.onError(t);
            }

            @Override
            public void onCompleted() {
                to.onCompleted();
            }
        };
    }
}
