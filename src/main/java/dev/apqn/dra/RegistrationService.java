package dev.apqn.dra;

import dev.apqn.dra.kubelet.registration.InfoRequest;
import dev.apqn.dra.kubelet.registration.PluginInfo;
import dev.apqn.dra.kubelet.registration.RegistrationGrpc;
import dev.apqn.dra.kubelet.registration.RegistrationStatus;
import dev.apqn.dra.kubelet.registration.RegistrationStatusResponse;
import io.grpc.stub.StreamObserver;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.util.List;

/**
 * The kubelet's plugin registration (k8s.io/kubelet pluginregistration v1): the kubelet's plugin watcher finds
 * our socket in its registry directory, asks {@code GetInfo} and, for type {@code DRAPlugin}, picks the first of
 * our {@code supported_versions} it speaks (Kubernetes 1.34: {@code v1.DRAPlugin}, then {@code v1beta1.DRAPlugin};
 * pkg/kubelet/cm/dra/plugin of k8s.io/kubernetes v1.34.4) and dials {@code endpoint}.
 */
final class RegistrationService extends RegistrationGrpc.RegistrationImplBase {

    private static final Logger LOG = Logger.getLogger(RegistrationService.class);

    /** The plugin type the kubelet's DRA manager handles (pluginregistration v1 constant DRAPlugin). */
    static final String TYPE = "DRAPlugin";
    /** The DRA gRPC services we serve, most recent first: the kubelet takes the first one it knows. */
    static final List<String> SERVICES = List.of("v1.DRAPlugin", "v1beta1.DRAPlugin");

    private final Path draSocket;

    RegistrationService(Path draSocket) {
        this.draSocket = draSocket;
    }

    @Override
    public void getInfo(InfoRequest request, StreamObserver<PluginInfo> response) {
        response.onNext(PluginInfo.newBuilder().setType(TYPE).setName(DraDriver.NAME).setEndpoint(draSocket.toString())
                .addAllSupportedVersions(SERVICES).build());
        response.onCompleted();
    }

    @Override
    public void notifyRegistrationStatus(RegistrationStatus status, StreamObserver<RegistrationStatusResponse> response) {
        if (status.getPluginRegistered()) {
            LOG.infof("kubelet registered DRA driver %s (endpoint %s)", DraDriver.NAME, draSocket);
        } else {
            LOG.errorf("kubelet refused DRA driver %s: %s", DraDriver.NAME, status.getError());
        }
        response.onNext(RegistrationStatusResponse.getDefaultInstance());
        response.onCompleted();
    }
}
