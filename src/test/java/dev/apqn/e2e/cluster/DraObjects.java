package dev.apqn.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodResourceClaim;
import io.fabric8.kubernetes.api.model.resource.v1.CELDeviceSelector;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceClaim;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceClaimConfiguration;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceClass;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceClassSpec;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceRequest;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceRequestAllocationResult;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceSelector;
import io.fabric8.kubernetes.api.model.resource.v1.ExactDeviceRequest;
import io.fabric8.kubernetes.api.model.resource.v1.OpaqueDeviceConfiguration;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaim;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Dynamic Resource Allocation objects (resource.k8s.io/v1) the *E2E tests create as a user
 * would: a DeviceClass, a ResourceClaim with one request (optionally a CEL selector and opaque
 * driver parameters) and a busybox pod whose only container uses the claim, placed by the scheduler
 * alone (no nodeSelector: the claim's allocation decides the node).
 */
final class DraObjects {

    /** The request name every claim here uses; containers refer to the claim, pods to the request. */
    static final String REQUEST = "device";

    private DraObjects() {
    }

    static DeviceClass deviceClass(String name, String driver) {
        var spec = new DeviceClassSpec();
        spec.setSelectors(List.of(cel("device.driver == \"" + driver + "\"")));
        var dc = new DeviceClass();
        dc.setMetadata(new ObjectMetaBuilder().withName(name).build());
        dc.setSpec(spec);
        return dc;
    }

    /**
     * A claim for exactly one device of {@code deviceClass}; {@code selector} (CEL, may be null)
     * narrows it; {@code parameters} (may be empty) go to {@code driver} as opaque configuration.
     */
    static ResourceClaim claim(String namespace, String name, String deviceClass, String selector, String driver,
                               Map<String, String> parameters) {
        var exactly = new ExactDeviceRequest();
        exactly.setDeviceClassName(deviceClass);
        if (selector != null) {
            exactly.setSelectors(List.of(cel(selector)));
        }
        var request = new DeviceRequest();
        request.setName(REQUEST);
        request.setExactly(exactly);
        var devices = new DeviceClaim();
        devices.setRequests(List.of(request));
        if (!parameters.isEmpty()) {
            devices.setConfig(List.of(new DeviceClaimConfiguration(new OpaqueDeviceConfiguration(driver, parameters),
                    List.of(REQUEST))));
        }
        var spec = new ResourceClaimSpec();
        spec.setDevices(devices);
        var claim = new ResourceClaim();
        claim.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
        claim.setSpec(spec);
        return claim;
    }

    /** A pod that runs {@code script} once with the claim's device; grace period 1 s for quick deletes. */
    static Pod podUsing(String namespace, String name, String claim, String script) {
        return new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withTerminationGracePeriodSeconds(1L)
                .withResourceClaims(new PodResourceClaim(claim, claim, null))
                .addNewContainer()
                .withName("main").withImage(TwoNodeClusterE2E.BUSYBOX).withImagePullPolicy("Never")
                .withCommand("sh", "-c", script)
                .withNewResources().addNewClaim().withName(claim).endClaim().endResources()
                .endContainer()
                .endSpec()
                .build();
    }

    /** The device the scheduler allocated for the claim's request, once it did. */
    static Optional<DeviceRequestAllocationResult> allocation(KubernetesClient client, String namespace, String claim) {
        ResourceClaim c = client.resources(ResourceClaim.class).inNamespace(namespace).withName(claim).get();
        if (c == null || c.getStatus() == null || c.getStatus().getAllocation() == null) {
            return Optional.empty();
        }
        var results = c.getStatus().getAllocation().getDevices().getResults();
        assertThat(results).as("allocation of %s/%s", namespace, claim).hasSize(1);
        return Optional.of(results.get(0));
    }

    private static DeviceSelector cel(String expression) {
        return new DeviceSelector(new CELDeviceSelector(expression));
    }
}
