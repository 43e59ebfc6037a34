package dev.apqn.cli;

import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.Approval;

/**
 * The command that approves exactly one plan: {@code spec.approvedPlan} set to the plan's hash. The API
 * server accepts spec.approvedPlan only with approval: Manual, so for a reservation that is Automatic
 * (waiting because a policy requires approval of collateral) the same patch also sets approval: Manual.
 */
public final class ApproveCommand {

    private ApproveCommand() {
    }

    public static String of(APQNReservation r, String hash, KubectlTarget target) {
        boolean manual = r.getSpec() != null && r.getSpec().getApproval() == Approval.Manual;
        String patch = manual ? "{\"spec\":{\"approvedPlan\":\"" + hash + "\"}}"
                : "{\"spec\":{\"approval\":\"Manual\",\"approvedPlan\":\"" + hash + "\"}}";
        return target.kubectl() + " -n " + Shell.quote(r.getMetadata().getNamespace()) + " patch apqnreservation "
                + Shell.quote(r.getMetadata().getName()) + " --type merge -p '" + patch + "'";
    }
}
