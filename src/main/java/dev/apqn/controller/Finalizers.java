package dev.apqn.controller;

import dev.apqn.api.v1alpha1.APQNReservation;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

import java.util.List;

/**
 * Removes our finalizer from a reservation that may go: a JSON patch that tests the entry before it
 * removes it (and the uid, so a re-created namesake keeps its own), so another controller's finalizer
 * is never the one removed; if the list moved
 * meanwhile, the fresh object is patched once more.
 */
final class Finalizers {

    private Finalizers() {
    }

    static void remove(KubernetesClient client, APQNReservation r) {
        APQNReservation cur = r;
        for (int attempt = 0; attempt < 3 && cur != null; attempt++) {
            List<String> fs = cur.getMetadata().getFinalizers();
            int i = fs == null ? -1 : fs.indexOf(ReservationReconciler.FINALIZER);
            if (i < 0) {
                return;
            }
            String patch = "[{\"op\":\"test\",\"path\":\"/metadata/uid\",\"value\":\"" + r.getMetadata().getUid() + "\"},"
                    + "{\"op\":\"test\",\"path\":\"/metadata/finalizers/" + i + "\",\"value\":\""
                    + ReservationReconciler.FINALIZER + "\"},{\"op\":\"remove\",\"path\":\"/metadata/finalizers/" + i + "\"}]";
            var op = client.resources(APQNReservation.class).inNamespace(r.getMetadata().getNamespace())
                    .withName(r.getMetadata().getName());
            try {
                op.patch(PatchContext.of(PatchType.JSON), patch);
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() == 404) {
                    return;
                }
                if (e.getCode() != 422 && e.getCode() != 409) {
                    throw e;
                }
                cur = op.get(); // the list changed under us: look again
            }
        }
    }
}
