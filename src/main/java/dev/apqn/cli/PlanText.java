package dev.apqn.cli;

import dev.apqn.ap.Apqn;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.AffectedGuest;
import dev.apqn.api.v1alpha1.Approval;
import dev.apqn.api.v1alpha1.MatrixStatus;
import dev.apqn.api.v1alpha1.NodeMode;
import dev.apqn.api.v1alpha1.Phase;
import dev.apqn.api.v1alpha1.PlanStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * {@code kubectl apqn plan}: the controller's plan of one reservation (status.plan): the host edits it
 * needs, what they pull in (collateral, queues host users lose, running guests affected), the hash, and
 * whether it is approved, with the exact command that approves it when it waits.
 */
public final class PlanText {

    private PlanText() {
    }

    public static List<String> render(APQNReservation r, KubectlTarget target, int width) {
        var out = new ArrayList<String>();
        var spec = r.getSpec();
        var status = r.getStatus();
        Approval approval = spec == null || spec.getApproval() == null ? Approval.Automatic : spec.getApproval();
        out.add("reservation " + r.ref() + " on node " + node(r) + ": phase "
                + (status == null || status.getPhase() == null ? "not reported yet" : status.getPhase()));
        PlanStatus plan = status == null ? null : status.getPlan();
        if (plan != null) {
            out.add(String.format("plan:        %s for %s, inventory generation %s", plan.getHash(), plan.getMode(),
                    plan.getInventoryGeneration()));
        }
        out.add("approval:    " + approval);
        if (plan == null) {
            out.add("");
            out.add("No plan yet: there is one once the request is valid and its APQNs are free.");
            if (status != null && status.getMessage() != null) {
                Wrap.add(out, "  ", status.getMessage(), width);
            }
            return out;
        }
        out.add("");
        out.add("host edits:");
        out.addAll(edits(plan, width));
        MatrixStatus m = status.getMatrix();
        if (m != null) {
            var reserved = apqns(m);
            out.add("reserved:    " + ApqnLists.describe(reserved) + controlDomains(m));
        }
        Wrap.add(out, "collateral:  ", ApqnLists.describe(ApqnLists.parse(plan.getCollateral()))
                + (plan.getCollateral() == null ? "" : "  (off the host, not in the guest's matrix)"), width);
        Wrap.add(out, "from host:   ", ApqnLists.describe(ApqnLists.parse(plan.getTakenFromHost()))
                + (plan.getTakenFromHost() == null ? "" : "  (the host's zcrypt users lose them)"), width);
        out.addAll(guests(plan.getAffectedGuests(), width));
        if (Boolean.TRUE.equals(plan.getCollateralNeedsApproval())) {
            out.add("policy:      its collateral needs approval (APQNPolicy spec.collateral: RequireApproval)");
        }
        out.add("");
        out.addAll(approval(r, plan, approval, target, width));
        return out;
    }

    private static String node(APQNReservation r) {
        if (r.getStatus() != null && r.getStatus().getNode() != null) {
            return r.getStatus().getNode();
        }
        return r.getSpec() != null && r.getSpec().getNodeName() != null ? r.getSpec().getNodeName() : "(not chosen yet)";
    }

    private static List<String> edits(PlanStatus p, int width) {
        var out = new ArrayList<String>();
        if (p.getMode() == NodeMode.DriverOverride) {
            Wrap.add(out, "  driver_override: ", "vfio_ap on " + ApqnLists.describe(ApqnLists.parse(p.getOverrides())), width);
        } else {
            if (p.getAdaptersOffHost() != null && !p.getAdaptersOffHost().isEmpty()) {
                Wrap.add(out, "  apmask: ", "clear adapter bits " + ApqnLists.hexRanges(p.getAdaptersOffHost(), 2)
                        + decimal(p.getAdaptersOffHost()) + ": every domain of these adapters leaves the host", width);
            }
            if (p.getDomainsOffHost() != null && !p.getDomainsOffHost().isEmpty()) {
                Wrap.add(out, "  aqmask: ", "clear domain bits " + ApqnLists.hexRanges(p.getDomainsOffHost(), 4)
                        + decimal(p.getDomainsOffHost()) + ": these domains leave the host on every adapter", width);
            }
        }
        if (out.isEmpty()) {
            out.add("  none (the APQNs are off the host already)");
        }
        return out;
    }

    /** The spec's numbers (decimal) beside sysfs's hex, when they differ: " (decimal 130)". */
    private static String decimal(List<Integer> ids) {
        String dec = dev.apqn.ap.ApMask.of(ids).toRangeList();
        return ids.stream().allMatch(i -> i < 10) ? "" : " (decimal " + dec + ")";
    }

    static TreeSet<Apqn> apqns(MatrixStatus m) {
        var out = new TreeSet<Apqn>();
        if (m.getAdapters() != null && m.getDomains() != null) {
            for (int a : m.getAdapters()) {
                for (int d : m.getDomains()) {
                    out.add(Apqn.of(a, d));
                }
            }
        }
        return out;
    }

    private static String controlDomains(MatrixStatus m) {
        return m.getControlDomains() == null || m.getControlDomains().isEmpty() ? ""
                : "; control domains " + ApqnLists.hexRanges(m.getControlDomains(), 4);
    }

    private static List<String> guests(List<AffectedGuest> guests, int width) {
        var out = new ArrayList<String>();
        if (guests == null || guests.isEmpty()) {
            out.add("guests:      no running guest is affected");
            return out;
        }
        for (AffectedGuest g : guests) {
            Wrap.add(out, "guest:       ", "mdev " + g.getMdevUuid() + " ("
                    + (g.getOwner() == null || g.getOwner().isEmpty() ? "not made by the operator" : g.getOwner())
                    + ") loses or sees change: " + ApqnLists.describe(ApqnLists.parse(g.getApqns())), width);
        }
        return out;
    }

    private static List<String> approval(APQNReservation r, PlanStatus plan, Approval approval, KubectlTarget target,
                                         int width) {
        var out = new ArrayList<String>();
        String approved = r.getSpec() == null ? null : r.getSpec().getApprovedPlan();
        boolean waits = r.getStatus().getPhase() == Phase.AwaitingApproval;
        if (!waits && Boolean.TRUE.equals(plan.getApproved())) {
            out.add(approval == Approval.Manual ? "approved: spec.approvedPlan is this plan's hash; nothing to do."
                    : "approved: approval is Automatic (plans run at once); nothing to do.");
            return out;
        }
        if (approved != null && !Objects.equals(approved, plan.getHash())) {
            Wrap.add(out, "", "spec.approvedPlan " + approved + " is an older plan: the node or other reservations"
                    + " changed since. Review this plan; it runs once approved:", width);
        } else {
            out.add("waiting for approval; this plan runs once approved:");
        }
        out.add("  " + ApproveCommand.of(r, plan.getHash(), target));
        return out;
    }
}
