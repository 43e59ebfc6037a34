package dev.apqn.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * The cluster the plugin was pointed at, as kubectl flags: commands the plugin prints must reach the
 * same cluster and context the user named (null: kubectl's defaults, KUBECONFIG and current context).
 */
public record KubectlTarget(String kubeconfig, String context) {

    public static final KubectlTarget DEFAULT = new KubectlTarget(null, null);

    /** "kubectl [--kubeconfig F] [--context C]". */
    public String kubectl() {
        List<String> words = new ArrayList<>(List.of("kubectl"));
        if (kubeconfig != null) {
            words.add("--kubeconfig " + Shell.quote(kubeconfig));
        }
        if (context != null) {
            words.add("--context " + Shell.quote(context));
        }
        return String.join(" ", words);
    }
}
