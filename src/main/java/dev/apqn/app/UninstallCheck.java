package dev.apqn.app;

import dev.apqn.api.v1alpha1.APQNReservation;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.net.HttpURLConnection;
import java.util.Comparator;
import java.util.List;

/**
 * The {@code uninstall-check} role (the Helm chart's pre-delete hook Job): uninstalling while
 * APQNReservations exist would remove the controller and the agents while queues are still taken
 * from the hosts and assigned to vfio_ap mdevs, with nobody left to give them back. One LIST of
 * APQNReservations in all namespaces (no informers), then a verdict: exit 0 when there are none, 1
 * naming them and how to release them, 2 when the check itself could not run.
 */
public final class UninstallCheck {

    /** At most this many reservations are named; the rest are counted. */
    public static final int SHOWN = 20;
    public static final String RELEASE_COMMAND = "kubectl delete apqnreservations --all --all-namespaces --wait";

    /** What to print and the exit code. */
    public record Verdict(int exitCode, String message) {
    }

    private UninstallCheck() {
    }

    /** Lists the reservations with {@code client} and decides. */
    public static Verdict run(KubernetesClient client) {
        List<APQNReservation> items;
        try {
            items = client.resources(APQNReservation.class).inAnyNamespace().list().getItems();
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
                // the CRD is not installed (or already gone): nothing can hold queues
                return decide(List.of());
            }
            return cannotCheck(e);
        }
        return decide(items);
    }

    /** The decision and message for the reservations that exist. */
    public static Verdict decide(List<APQNReservation> reservations) {
        if (reservations.isEmpty()) {
            return new Verdict(0, "apqn uninstall check: no APQNReservations in any namespace; no AP queues are held"
                    + " for guests. Uninstalling may proceed.");
        }
        List<APQNReservation> sorted = reservations.stream()
                .sorted(Comparator.comparing((APQNReservation r) -> r.getMetadata().getNamespace())
                        .thenComparing(r -> r.getMetadata().getName()))
                .toList();
        var out = new StringBuilder();
        boolean one = sorted.size() == 1;
        out.append("apqn uninstall check: ").append(sorted.size())
                .append(one ? " APQNReservation exists. It holds, or is about to hold, AP queues on its node"
                        : " APQNReservations exist. They hold, or are about to hold, AP queues on their nodes")
                .append(" (taken from the host and assigned to a vfio_ap mdev); uninstalling now would leave them there")
                .append(" with no controller or agent to give them back.\n");
        for (APQNReservation r : sorted.subList(0, Math.min(SHOWN, sorted.size()))) {
            out.append("  ").append(r.getMetadata().getNamespace()).append('/').append(r.getMetadata().getName())
                    .append("  node ").append(node(r)).append("  phase ").append(phase(r))
                    .append(r.getMetadata().getDeletionTimestamp() != null ? " (being deleted)" : "").append('\n');
        }
        if (sorted.size() > SHOWN) {
            out.append("  and ").append(sorted.size() - SHOWN).append(" more\n");
        }
        out.append("Release them first, then uninstall again:\n")
                .append("  ").append(RELEASE_COMMAND).append('\n')
                .append("Each deletion finishes once its node's agent has removed the mdev and given the queues back to the")
                .append(" host, usually within seconds. A reservation whose guest still uses its mdev waits (condition InUse)")
                .append(" until the guest stops; it is never forced, so the command can take as long as that.")
                .append(" Only for a node that will never report again (agent gone for good), see \"Force release\" in")
                .append(" docs/operator.md: kubectl -n <ns> annotate apqnreservation <name> apqn.dev/force-release=true")
                .append(" (what the node still holds is cleaned up only when its agent comes back).");
        return new Verdict(1, out.toString());
    }

    static Verdict cannotCheck(KubernetesClientException e) {
        String why = e.getCode() > 0 ? "HTTP " + e.getCode() + ": " + e.getMessage()
                : "no answer from the API server: " + (e.getCause() != null ? e.getCause() : e.getMessage());
        return new Verdict(2, "apqn uninstall check: could not list APQNReservations (" + why + "). Uninstalling is refused because reservations might still hold AP queues. Check"
                + " that none exist (kubectl get apqnreservations --all-namespaces), then fix the hook's access or"
                + " uninstall with --no-hooks.");
    }

    private static String node(APQNReservation r) {
        if (r.getStatus() != null && r.getStatus().getNode() != null) {
            return r.getStatus().getNode();
        }
        if (r.getSpec() != null && r.getSpec().getNodeName() != null) {
            return r.getSpec().getNodeName();
        }
        return "(not selected yet)";
    }

    private static String phase(APQNReservation r) {
        return r.getStatus() != null && r.getStatus().getPhase() != null ? r.getStatus().getPhase().toString() : "(none yet)";
    }
}
