package dev.apqn.plan;

import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The planner's output for one node.
 *
 * @param target    what the node agent must make true
 * @param decisions per reservation key ({@code namespace/name})
 * @param hash      short SHA-256 of the canonical text of the target (edits, mdevs, claims, generation)
 * @param warnings  node-level notes (e.g. a policy-kept APQN already off the host by someone else)
 */
public record NodePlan(HostTarget target, SortedMap<String, Decision> decisions, String hash, List<String> warnings) {

    public NodePlan {
        Objects.requireNonNull(target, "target");
        decisions = new TreeMap<>(decisions);
        Objects.requireNonNull(hash, "hash");
        warnings = List.copyOf(warnings);
    }

    public Decision decision(String key) {
        Decision d = decisions.get(key);
        if (d == null) {
            throw new IllegalArgumentException("no decision for " + key + "; decisions exist for " + decisions.keySet());
        }
        return d;
    }
}
