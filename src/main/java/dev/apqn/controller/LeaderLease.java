package dev.apqn.controller;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.jboss.logging.Logger;

import java.net.HttpURLConnection;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * Gives the leader-election Lease back on an orderly shutdown, so a standby takes over at its next
 * retry (a couple of seconds) instead of after the lease duration. JOSDK runs its elector without
 * Fabric8's release-on-cancel, hence this. Like client-go's release: the holder is cleared and the
 * lease duration set to 1 s; it is a PUT with the resourceVersion just read, so a Lease someone else
 * took meanwhile is never touched.
 */
public final class LeaderLease {

    private static final Logger LOG = Logger.getLogger(LeaderLease.class);

    private LeaderLease() {
    }

    /** Releases {@code namespace/name} if {@code identity} holds it; true when it was released. */
    public static boolean release(KubernetesClient client, String namespace, String name, String identity) {
        try {
            Lease lease = client.resources(Lease.class).inNamespace(namespace).withName(name).get();
            if (lease == null || lease.getSpec() == null || !identity.equals(lease.getSpec().getHolderIdentity())) {
                return false;
            }
            ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
            lease.getSpec().setHolderIdentity(null);
            lease.getSpec().setLeaseDurationSeconds(1);
            lease.getSpec().setAcquireTime(now);
            lease.getSpec().setRenewTime(now);
            client.resource(lease).update();
            LOG.infof("leader election: %s released Lease %s/%s", identity, namespace, name);
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                LOG.infof("leader election: Lease %s/%s changed meanwhile; not released", namespace, name);
            } else {
                LOG.warnf("leader election: cannot release Lease %s/%s (a standby takes over when it expires): %s",
                        namespace, name, e.getMessage());
            }
            return false;
        }
    }
}
