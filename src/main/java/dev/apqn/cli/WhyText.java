package dev.apqn.cli;

import dev.apqn.ap.Apqn;
import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.ApqnState;
import dev.apqn.api.v1alpha1.Phase;
import dev.apqn.api.v1alpha1.ReservationSync;
import dev.apqn.status.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * {@code kubectl apqn why}: why a reservation is where it is, condensed: the controller's message once,
 * the conditions that say something (True ones and Ready; the quiet False/AsExpected ones in one line),
 * its queues grouped by state, what the node's agent reports for it, and its recent events.
 */
public final class WhyText {

    /** Events shown: the most recent ones. */
    static final int EVENTS = 10;

    private WhyText() {
    }

    public static List<String> render(APQNReservation r, List<Event> events, Optional<APNodeState> node, Instant now,
                                      int width) {
        var out = new ArrayList<String>();
        var s = r.getStatus();
        String where = s != null && s.getNode() != null ? s.getNode()
                : r.getSpec() != null && r.getSpec().getNodeName() != null ? r.getSpec().getNodeName() : null;
        out.add("reservation " + r.ref() + (where == null ? "" : " on node " + where) + ": phase "
                + (s == null || s.getPhase() == null ? "not reported yet" : s.getPhase()) + observed(r));
        String message = s == null ? null : s.getMessage();
        if (message != null && !message.isBlank()) {
            Wrap.add(out, "  ", message, width);
        }
        if (s != null && s.getPhase() == Phase.AwaitingApproval) {
            out.add("  the plan and its approve command: kubectl apqn plan " + r.ref());
        }
        out.add("");
        out.addAll(conditions(s == null ? null : s.getConditions(), message, now, width));
        if (s != null && s.getQueues() != null && !s.getQueues().isEmpty()) {
            out.add("");
            out.add("queues:");
            queues(s.getQueues()).forEach((g, qs) -> Wrap.add(out, String.format("  %-9s ", g.state()),
                    ApqnLists.describe(qs) + (g.message() == null ? "" : " (" + g.message() + ")"), width));
        }
        node.flatMap(n -> sync(n, r.ref())).ifPresent(sync -> {
            out.add("");
            out.add("agent on " + where + ":");
            String reason = sync.getReason() == null || sync.getReason().name().equals(String.valueOf(sync.getState())) ? ""
                    : " (" + sync.getReason() + ")";
            String head = "  " + sync.getState() + reason;
            String since = sync.getLastTransitionTime() == null ? "" : " for " + Ages.since(sync.getLastTransitionTime(), now);
            out.add(head + since);
            if (sync.getMessage() != null && !sync.getMessage().isBlank() && !sync.getMessage().equals(message)) {
                Wrap.add(out, "  ", sync.getMessage(), width);
            }
        });
        out.add("");
        out.addAll(events(events, message, now, width));
        return out;
    }

    private static String observed(APQNReservation r) {
        Long gen = r.getMetadata().getGeneration();
        Long obs = r.getStatus() == null ? null : r.getStatus().getObservedGeneration();
        if (gen == null || obs == null || gen.equals(obs)) {
            return "";
        }
        return " (the controller has seen generation " + obs + " of " + gen + ": it is catching up)";
    }

    private static List<String> conditions(List<Condition> conds, String message, Instant now, int width) {
        var out = new ArrayList<String>();
        if (conds == null || conds.isEmpty()) {
            out.add("conditions: none yet (the controller has not reconciled it)");
            return out;
        }
        out.add("conditions:");
        var quiet = new ArrayList<String>();
        var loud = conds.stream().filter(c -> Conditions.TRUE.equals(c.getStatus()) || Conditions.READY.equals(c.getType())
                        || !isQuiet(c))
                .sorted(Comparator.comparing((Condition c) -> !Conditions.READY.equals(c.getType()))
                        .thenComparing(Condition::getType)).toList();
        for (Condition c : conds) {
            if (!loud.contains(c)) {
                quiet.add(c.getType() + "=" + c.getStatus());
            }
        }
        int typeWidth = loud.stream().mapToInt(c -> c.getType().length()).max().orElse(5);
        int reasonWidth = loud.stream().mapToInt(c -> c.getReason() == null ? 0 : c.getReason().length()).max().orElse(0);
        for (Condition c : loud) {
            out.add(String.format("  %-" + typeWidth + "s  %-5s  %-" + reasonWidth + "s  %s", c.getType(), c.getStatus(),
                    c.getReason(), Ages.since(c.getLastTransitionTime(), now)));
            // most conditions repeat the reservation's message: said once, above
            if (c.getMessage() != null && !c.getMessage().isBlank() && !Objects.equals(c.getMessage(), message)) {
                Wrap.add(out, "      ", c.getMessage(), width);
            }
        }
        if (!quiet.isEmpty()) {
            Wrap.add(out, "  also ", String.join(", ", quiet), width);
        }
        return out;
    }

    /** False with nothing to say (reason AsExpected, no message). */
    private static boolean isQuiet(Condition c) {
        return "False".equals(c.getStatus()) && (c.getMessage() == null || c.getMessage().isBlank());
    }

    /** Queues that share a state and a message. */
    private record QueueGroup(ApqnState.State state, String message) {
    }

    /** The queues by state and message, in the order the agent moves them (Pending ... Releasing). */
    private static Map<QueueGroup, TreeSet<Apqn>> queues(List<ApqnState> queues) {
        Map<QueueGroup, TreeSet<Apqn>> out = new LinkedHashMap<>();
        queues.stream().sorted(Comparator.comparing((ApqnState q) -> q.getState().ordinal())
                        .thenComparing(q -> q.getMessage() == null ? "" : q.getMessage()))
                .forEach(q -> out.computeIfAbsent(new QueueGroup(q.getState(), q.getMessage()), k -> new TreeSet<>())
                        .add(Apqn.parse(q.getApqn())));
        return out;
    }

    private static Optional<ReservationSync> sync(APNodeState n, String ref) {
        if (n.getStatus() == null || n.getStatus().getReservations() == null) {
            return Optional.empty();
        }
        return n.getStatus().getReservations().stream().filter(x -> ref.equals(x.getReservation())).findFirst();
    }

    private static List<String> events(List<Event> events, String message, Instant now, int width) {
        var out = new ArrayList<String>();
        if (events.isEmpty()) {
            out.add("events: none (Events expire after an hour by default)");
            return out;
        }
        var sorted = events.stream().sorted(Comparator.comparing(WhyText::last)).toList();
        var shown = sorted.subList(Math.max(0, sorted.size() - EVENTS), sorted.size());
        out.add(sorted.size() > shown.size()
                ? "events (the last " + shown.size() + " of " + sorted.size() + ", oldest first):"
                : "events (oldest first):");
        int reasonWidth = shown.stream().mapToInt(e -> e.getReason() == null ? 0 : e.getReason().length()).max().orElse(0);
        for (Event e : shown) {
            int count = e.getCount() == null ? 1 : e.getCount();
            out.add(String.format("  %4s  %-7s  %-" + reasonWidth + "s  %s", Ages.since(last(e), now), e.getType(),
                    e.getReason(), count > 1 ? "x" + count : "").stripTrailing());
            Wrap.add(out, "        ", eventMessage(e, message), width);
        }
        return out;
    }

    /** The event's message without the "Phase: " (or "Reason: ") the controller starts it with; the current message said once. */
    private static String eventMessage(Event e, String message) {
        String m = e.getMessage() == null ? "" : e.getMessage();
        for (String lead : java.util.stream.Stream.concat(java.util.stream.Stream.of(e.getReason()),
                java.util.Arrays.stream(Phase.values()).map(Phase::name)).filter(Objects::nonNull).toList()) {
            if (m.startsWith(lead + ": ")) {
                m = m.substring(lead.length() + 2);
                break;
            }
        }
        return m.equals(message) ? "(the message above)" : m;
    }

    private static String last(Event e) {
        if (e.getLastTimestamp() != null) {
            return e.getLastTimestamp();
        }
        if (e.getEventTime() != null && e.getEventTime().getTime() != null) {
            return e.getEventTime().getTime();
        }
        return e.getFirstTimestamp() == null ? "" : e.getFirstTimestamp();
    }
}
