package dev.apqn.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.Approval;
import dev.apqn.api.v1alpha1.ApqnState;
import dev.apqn.api.v1alpha1.NodeMode;
import dev.apqn.api.v1alpha1.Phase;
import dev.apqn.api.v1alpha1.PlanStatus;
import dev.apqn.api.v1alpha1.ReservationSync;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code --output json} documents, for scripts: the same facts as the text, with names instead of
 * grid characters and complete APQN lists (APQNs as sysfs names them, e.g. "05.0004").
 */
public final class JsonOutput {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private JsonOutput() {
    }

    /** One kind of holder (with its owner, if it has one) and its APQNs. */
    public record HolderJson(String holder, String owner, String symbol, int count, List<String> apqns) {
    }

    public record OwnerJson(String letter, String reservation, Phase phase, String mdevUuid, int reserved, int collateral,
                            int kept) {
    }

    public record GridJson(String node, NodeMode mode, Long inventoryGeneration, String policy, List<Integer> adapters,
                           List<Integer> domains, List<OwnerJson> reservations, List<HolderJson> holders) {
    }

    public record PlanJson(String reservation, String node, Phase phase, Approval approval, PlanStatus plan,
                           boolean waitsForApproval, String approveCommand) {
    }

    public record EventJson(String type, String reason, int count, String lastTimestamp, String message) {
    }

    public record WhyJson(String reservation, String node, Phase phase, String message, List<Condition> conditions,
                          List<ApqnState> queues, ReservationSync agent, List<EventJson> events) {
    }

    public static GridJson grid(NodeGrid g) {
        Map<String, HolderJson> groups = new LinkedHashMap<>();
        Map<String, List<String>> apqns = new LinkedHashMap<>();
        for (var e : g.cells().entrySet()) {
            var c = e.getValue();
            String key = c.holder() + "\u0000" + (c.owner() == null ? "" : c.owner());
            apqns.computeIfAbsent(key, k -> new ArrayList<>()).add(e.getKey().toString());
            groups.putIfAbsent(key, new HolderJson(holderName(c.holder()), c.owner(), String.valueOf(g.symbolOf(c)), 0, null));
        }
        List<HolderJson> holders = new ArrayList<>();
        groups.forEach((k, h) -> holders.add(new HolderJson(h.holder(), h.owner(), h.symbol(), apqns.get(k).size(), apqns.get(k))));
        holders.sort(Comparator.comparing(HolderJson::holder).thenComparing(h -> h.owner() == null ? "" : h.owner()));
        List<OwnerJson> owners = g.owners().stream().map(o -> new OwnerJson(o.letter() == 0 ? null : String.valueOf(o.letter()),
                o.reservation(), o.phase(), o.mdevUuid(), o.reserved(), o.collateral(), o.kept())).toList();
        return new GridJson(g.node(), g.mode(), g.generation(), g.policy(), g.adapters(), g.domains(), owners, holders);
    }

    /** "host", "host-kept", "foreign-mdev", ... */
    static String holderName(Holder h) {
        return h.name().toLowerCase().replace('_', '-');
    }

    public static PlanJson plan(APQNReservation r, KubectlTarget target) {
        var s = r.getStatus();
        PlanStatus plan = s == null ? null : s.getPlan();
        boolean waits = s != null && s.getPhase() == Phase.AwaitingApproval && plan != null;
        return new PlanJson(r.ref(), s == null ? null : s.getNode(), s == null ? null : s.getPhase(),
                r.getSpec() == null || r.getSpec().getApproval() == null ? Approval.Automatic : r.getSpec().getApproval(),
                plan, waits, waits ? ApproveCommand.of(r, plan.getHash(), target) : null);
    }

    public static WhyJson why(APQNReservation r, List<Event> events, Optional<APNodeState> node) {
        var s = r.getStatus();
        ReservationSync sync = node.map(APNodeState::getStatus).map(x -> x.getReservations()).orElse(List.of()).stream()
                .filter(x -> r.ref().equals(x.getReservation())).findFirst().orElse(null);
        List<EventJson> ev = events.stream().map(e -> new EventJson(e.getType(), e.getReason(),
                        e.getCount() == null ? 1 : e.getCount(), e.getLastTimestamp(), e.getMessage()))
                .sorted(Comparator.comparing(e -> e.lastTimestamp() == null ? "" : e.lastTimestamp())).toList();
        return new WhyJson(r.ref(), s == null ? null : s.getNode(), s == null ? null : s.getPhase(),
                s == null ? null : s.getMessage(), s == null ? null : s.getConditions(), s == null ? null : s.getQueues(),
                sync, ev);
    }

    public static String write(Object doc) {
        try {
            return MAPPER.writeValueAsString(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
    }
}
