package dev.apqn.plan;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.SortedSet;
import java.util.UUID;

/**
 * The planner's sentences other than refusals (those are in {@link RefusalRules}): node warnings,
 * a plan's notes, why a plan waits for approval, a conflict. They land in statuses and events and
 * are read by people, so each says what happens next or what to do.
 */
final class PlanNotes {

    private PlanNotes() {
    }

    // ---------------------------------------------------------------- node warnings

    static String keptButTakenBySomeoneElse(Apqn kept) {
        return "the policy keeps " + kept + " for the host, but someone else took it off the host"
                + " (a mask bit or driver_override the operator did not set); the operator leaves it alone";
    }

    static String recordedForBoth(Apqn q, String first, String second) {
        return "APNodeState.spec records " + q + " for both " + first + " and " + second + "; " + first + " keeps it";
    }

    static String adminDeclared(String policyName) {
        return "admin-declared APQNs of policy " + policyName;
    }

    static String keptClaim(String owner) {
        return "KEPT APQNs of " + owner;
    }

    static String foreignMdevClaim(UUID mdev) {
        return "APQNs of mdev " + mdev + " (not made by the operator)";
    }

    /** {@code what} is one of {@link #adminDeclared}, {@link #keptClaim}, {@link #foreignMdevClaim}. */
    static String claimCoverTakesKept(String what, SortedSet<Apqn> kept) {
        return what + " need a mask cover that takes policy-kept APQNs " + kept
                + " from the host; applied anyway because they are already off the host";
    }

    // ---------------------------------------------------------------- a released reservation

    static String keptAfterRelease(int count, String key) {
        return "releasePolicy Keep: " + count + " APQNs stay off the host as KEPT claims of " + key;
    }

    static String guestStillUses(SortedSet<Apqn> affected) {
        return "a running guest still uses " + affected + "; the mdev is removed once the guest stops";
    }

    // ---------------------------------------------------------------- a reservation's plan

    static String heldByOthers(Collection<Apqn> contested, Collection<String> holders, boolean keptHolder) {
        return "spec.apqns " + contested + " are held by " + String.join(", ", holders)
                + (keptHolder ? " (kept off the host after its release, releasePolicy Keep)" : "")
                + "; this reservation becomes Ready by itself once the holder releases them, or choose other APQNs";
    }

    static String manualApproval(String hash) {
        return "approval: Manual; set spec.approvedPlan to " + hash + " to run this plan";
    }

    static String collateralNeedsApproval(String policyName, SortedSet<Apqn> collateral, String hash) {
        return "APQNPolicy " + policyName + " requires approval for collateral " + collateral
                + "; set spec.approvedPlan to " + hash + " to run this plan";
    }

    /** APQNs outside the host configuration on a node whose kernel accepts them. */
    static String outsideHostConfiguration(NodeInput node, Matrix matrix, SortedSet<Apqn> outside) {
        ApMask a = matrix.adapters().andNot(node.configuredAdapters());
        ApMask d = matrix.domains().andNot(node.configuredDomains());
        List<String> what = new ArrayList<>();
        if (!a.isEmpty()) {
            what.add("adapter" + (a.cardinality() == 1 ? " " : "s ") + a.toRangeList());
        }
        if (!d.isEmpty()) {
            what.add("domain" + (d.cardinality() == 1 ? " " : "s ") + d.toRangeList());
        }
        int count = a.cardinality() + d.cardinality();
        return String.join(" and ", what) + (count == 1 ? " is" : " are") + " not in node " + node.nodeName()
                + "'s host configuration: the kernel accepts the assignment but filters it out of guest_matrix, so the"
                + " reservation will be Degraded (APQNs " + outside + ")";
    }

    static String controlDomainsNotConfigured(NodeInput node, ApMask notConfigured) {
        return "spec.controlDomains " + notConfigured.toRangeList() + " are not control domains of node "
                + node.nodeName() + " (" + node.configuredControlDomains().toRangeList() + "); the kernel filters"
                + " them out of the guest's matrix";
    }

    static String noQueueDeviceYet(SortedSet<Apqn> missing) {
        return "no queue device exists yet for " + missing + "; the kernel keeps their adapters out of"
                + " the guest (guest_matrix) until they appear";
    }
}
