package dev.apqn.demo;

import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.status.Conditions;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Plain-text tables: the demo's progress table and kubectl-like listings when kubectl is absent. */
final class Tables {

    static final int MESSAGE_WIDTH = 70;

    private Tables() {
    }

    /** NAME (namespace/name), NODE, PHASE (+ Stalled), APQNS, MESSAGE; teaching examples marked with '*'. */
    static List<String> progress(List<APQNReservation> all, Set<String> teaching) {
        var rows = new ArrayList<String[]>();
        rows.add(new String[] {"RESERVATION", "NODE", "PHASE", "APQNS", "MESSAGE"});
        for (APQNReservation r : all) {
            String key = key(r);
            var s = r.getStatus();
            String phase = s == null || s.getPhase() == null ? "-" : s.getPhase().name();
            if (s != null && Conditions.find(s.getConditions(), Conditions.STALLED)
                    .filter(c -> "True".equals(c.getStatus())).isPresent()) {
                phase += "/Stalled";
            }
            rows.add(new String[] {(teaching.contains(key) ? "*" : " ") + key, dash(s == null ? null : s.getNode()), phase,
                    dash(s == null ? null : s.getApqnSummary()), cut(s == null ? null : s.getMessage(), MESSAGE_WIDTH)});
        }
        return format(rows);
    }

    /** What {@code kubectl get apqnr -A} prints (its printer columns, without AGE). */
    static List<String> reservations(List<APQNReservation> all) {
        var rows = new ArrayList<String[]>();
        rows.add(new String[] {"NAMESPACE", "NAME", "NODE", "PHASE", "APQNS", "MDEV"});
        for (APQNReservation r : all) {
            var s = r.getStatus();
            rows.add(new String[] {r.getMetadata().getNamespace(), r.getMetadata().getName(), or(s == null ? null : s.getNode()),
                    or(s == null || s.getPhase() == null ? null : s.getPhase().name()), or(s == null ? null : s.getApqnSummary()),
                    or(s == null ? null : s.getMdevUuid())});
        }
        return format(rows);
    }

    /** What {@code kubectl get apns} prints (its printer columns, without LEASE and AGE). */
    static List<String> nodeStates(List<APNodeState> all) {
        var rows = new ArrayList<String[]>();
        rows.add(new String[] {"NAME", "MODE", "FREE", "RESERVED"});
        for (APNodeState n : all) {
            var s = n.getStatus();
            rows.add(new String[] {n.getMetadata().getName(), or(s == null || s.getMode() == null ? null : s.getMode().name()),
                    or(s == null ? null : s.getFreeApqns()), or(s == null ? null : s.getReservedApqns())});
        }
        return format(rows);
    }

    static String key(APQNReservation r) {
        return r.getMetadata().getNamespace() + "/" + r.getMetadata().getName();
    }

    static List<String> format(List<String[]> rows) {
        int cols = rows.get(0).length;
        int[] w = new int[cols];
        for (String[] row : rows) {
            for (int i = 0; i < cols; i++) {
                w[i] = Math.max(w[i], row[i].length());
            }
        }
        var out = new ArrayList<String>();
        for (String[] row : rows) {
            var sb = new StringBuilder();
            for (int i = 0; i < cols; i++) {
                sb.append(i == cols - 1 ? row[i] : String.format("%-" + (w[i] + 2) + "s", row[i]));
            }
            out.add(sb.toString().stripTrailing());
        }
        return out;
    }

    static String cut(String s, int max) {
        if (s == null || s.isBlank()) {
            return "";
        }
        String one = s.replaceAll("\\s+", " ").strip();
        return one.length() <= max ? one : one.substring(0, max - 3) + "...";
    }

    private static String dash(String s) {
        return s == null || s.isBlank() ? "-" : s;
    }

    private static String or(Object o) {
        return o == null || o.toString().isBlank() ? "<none>" : o.toString();
    }
}
