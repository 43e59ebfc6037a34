package dev.apqn.dra;

import dev.apqn.dra.kubelet.v1.Claim;
import dev.apqn.dra.kubelet.v1.DRAPluginGrpc;
import dev.apqn.dra.kubelet.v1.Device;
import dev.apqn.dra.kubelet.v1.NodePrepareResourceResponse;
import dev.apqn.dra.kubelet.v1.NodePrepareResourcesRequest;
import dev.apqn.dra.kubelet.v1.NodePrepareResourcesResponse;
import dev.apqn.dra.kubelet.v1.NodeUnprepareResourceResponse;
import dev.apqn.dra.kubelet.v1.NodeUnprepareResourcesRequest;
import dev.apqn.dra.kubelet.v1.NodeUnprepareResourcesResponse;
import io.grpc.stub.StreamObserver;
import org.jboss.logging.Logger;

/**
 * The DRA node service {@code v1.DRAPlugin} (k8s.io/kubelet dra v1). Each claim gets its own answer: a refused
 * claim is reported in its {@code error} (the kubelet shows it in the pod's events and retries), never as a
 * failed call, so the other claims of the request still go through. Calls {@code onChange} after a change (the
 * agent reports the consumers).
 */
final class DraNodeService extends DRAPluginGrpc.DRAPluginImplBase {

    private static final Logger LOG = Logger.getLogger(DraNodeService.class);

    private final ClaimPreparer preparer;
    private final Runnable onChange;

    DraNodeService(ClaimPreparer preparer, Runnable onChange) {
        this.preparer = preparer;
        this.onChange = onChange;
    }

    @Override
    public void nodePrepareResources(NodePrepareResourcesRequest request, StreamObserver<NodePrepareResourcesResponse> response) {
        var out = NodePrepareResourcesResponse.newBuilder();
        for (Claim c : request.getClaimsList()) {
            out.putClaims(c.getUid(), prepare(c));
        }
        response.onNext(out.build());
        response.onCompleted();
        onChange.run();
    }

    private NodePrepareResourceResponse prepare(Claim c) {
        try {
            PreparedClaim p = preparer.prepare(c.getNamespace(), c.getName(), c.getUid());
            var r = NodePrepareResourceResponse.newBuilder();
            for (PreparedClaim.PreparedDevice d : p.devices()) {
                r.addDevices(Device.newBuilder().addRequestNames(d.request()).setPoolName(d.pool()).setDeviceName(d.mdevUuid())
                        .addCdiDeviceIds(CdiSpecs.deviceId(p.uid())));
            }
            return r.build();
        } catch (ClaimRefusedException e) {
            LOG.warnf("NodePrepareResources %s/%s: %s", c.getNamespace(), c.getName(), e.getMessage());
            return NodePrepareResourceResponse.newBuilder().setError(e.getMessage()).build();
        } catch (Exception e) {
            LOG.warnf(e, "NodePrepareResources %s/%s failed", c.getNamespace(), c.getName());
            return NodePrepareResourceResponse.newBuilder().setError("preparing ResourceClaim " + c.getNamespace() + "/"
                    + c.getName() + " failed: " + e).build();
        }
    }

    @Override
    public void nodeUnprepareResources(NodeUnprepareResourcesRequest request, StreamObserver<NodeUnprepareResourcesResponse> response) {
        var out = NodeUnprepareResourcesResponse.newBuilder();
        for (Claim c : request.getClaimsList()) {
            var r = NodeUnprepareResourceResponse.newBuilder();
            try {
                preparer.unprepare(c.getUid());
            } catch (Exception e) {
                LOG.warnf(e, "NodeUnprepareResources %s/%s failed", c.getNamespace(), c.getName());
                r.setError("unpreparing ResourceClaim " + c.getNamespace() + "/" + c.getName() + " failed: " + e);
            }
            out.putClaims(c.getUid(), r.build());
        }
        response.onNext(out.build());
        response.onCompleted();
        onChange.run();
    }
}
