package dev.apqn.cli;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.CardStatus;
import dev.apqn.api.v1alpha1.Claim;
import dev.apqn.api.v1alpha1.HostTargetMapper;
import dev.apqn.api.v1alpha1.MdevStatus;
import dev.apqn.api.v1alpha1.NodeMode;
import dev.apqn.api.v1alpha1.Phase;
import dev.apqn.api.v1alpha1.QueueGroup;
import dev.apqn.controller.RangeLists;
import dev.apqn.plan.PolicyView;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A node's adapter x domain grid: who holds each APQN, computed from what the agent reports (cards,
 * queue groups, mdevs), what the controller asked for (spec.hostEdits.claims) and the policies that
 * select the node. A pure function of those objects.
 *
 * @param node        the node's name
 * @param mode        Masks or DriverOverride (null before the agent reported)
 * @param generation  the agent's inventory generation
 * @param adapters    the adapters with a card device, ascending
 * @param domains     the domains with a queue device on some adapter, ascending
 * @param cells       the holder of every queue device (adapters x domains not listed have none)
 * @param owners      the reservations on the node, lettered ones first (by letter), then those holding nothing
 * @param policy      the policies selecting the node (comma-separated names), or null
 * @param freeApqns   the agent's count of APQNs with the host
 * @param reservedApqns the agent's count of APQNs in the operator's mdevs
 */
public record NodeGrid(String node, NodeMode mode, Long generation, List<Integer> adapters, List<Integer> domains,
                       SortedMap<Apqn, Cell> cells, List<Owner> owners, String policy, Integer freeApqns,
                       Integer reservedApqns) {

    /** One APQN's holder and, for reservations, kept queues, policies and foreign mdevs, whose it is. */
    public record Cell(Holder holder, String owner) {
    }

    /**
     * A reservation on the node.
     *
     * @param letter     its grid letter (collateral: lower case), or 0 if it holds nothing here
     * @param reservation namespace/name
     * @param phase      its phase, if the reservation was readable
     * @param mdevUuid   its mdev
     * @param reserved   how many APQNs it holds
     * @param collateral how many APQNs its plan took from the host without using them
     * @param kept       how many APQNs stay off the host after its release (releasePolicy: Keep)
     */
    public record Owner(char letter, String reservation, Phase phase, String mdevUuid, int reserved, int collateral,
                        int kept) {
    }

    /** The letters reservations get, in order (not F, H, K, P: other holders use them or their lower case); later ones share {@link #MORE}. */
    static final String LETTERS = "ABCDEGIJLMNOQRSTUVWXYZ";
    /** The grid character of reservations beyond {@link #LETTERS} (their collateral: {@link #MORE_COLLATERAL}). */
    static final char MORE = '#';
    static final char MORE_COLLATERAL = '+';

    public static NodeGrid of(APNodeState state, PolicyView policy, List<APQNReservation> reservations) {
        String node = state.getMetadata().getName();
        var status = state.getStatus();
        Map<Apqn, QueueGroup> queues = new HashMap<>();
        Map<Integer, CardStatus> cards = new TreeMap<>();
        if (status != null && status.getCards() != null) {
            for (CardStatus c : status.getCards()) {
                ApMask adapters = c.getAdapters() != null ? RangeLists.parse(c.getAdapters())
                        : c.getAdapter() != null ? ApMask.of(c.getAdapter()) : ApMask.none();
                for (int a : adapters.idList()) {
                    cards.put(a, c);
                    if (c.getQueues() != null) {
                        for (QueueGroup g : c.getQueues()) {
                            for (int d : RangeLists.parse(g.getDomains()).idList()) {
                                queues.put(Apqn.of(a, d), g);
                            }
                        }
                    }
                }
            }
        }
        Map<Apqn, Cell> claims = claims(state);
        Map<Apqn, Cell> mdevs = mdevs(status == null ? null : status.getMdevs());

        SortedMap<Apqn, Cell> cells = new TreeMap<>();
        for (var e : queues.entrySet()) {
            Apqn q = e.getKey();
            cells.put(q, cell(q, e.getValue(), cards.get(q.adapter()), claims.get(q), mdevs.get(q), policy));
        }
        var domains = new TreeSet<Integer>();
        cells.keySet().forEach(q -> domains.add(q.domain()));
        String policyName = policy == null || policy.name() == null || policy.name().isEmpty() ? null : policy.name();
        return new NodeGrid(node, status == null ? null : status.getMode(),
                status == null ? null : status.getInventoryGeneration(), List.copyOf(cards.keySet()), List.copyOf(domains),
                cells, owners(node, cells, status == null ? null : status.getMdevs(), reservations), policyName,
                status == null ? null : status.getFreeApqns(), status == null ? null : status.getReservedApqns());
    }

    /**
     * The holder of one queue device. The card's hardware state comes first (it decides whether anyone can
     * use the queue), then the controller's claims (who the queue is off the host for), then mdevs, then the
     * host's own state.
     */
    private static Cell cell(Apqn q, QueueGroup g, CardStatus card, Cell claim, Cell mdev, PolicyView policy) {
        if (card != null && Boolean.TRUE.equals(card.getChkstop())) {
            return new Cell(Holder.CHECKSTOPPED, null);
        }
        if ((card != null && Boolean.FALSE.equals(card.getConfig())) || g.getState() == QueueGroup.State.Unavailable) {
            return new Cell(Holder.NOT_CONFIGURED, null);
        }
        if (claim != null) {
            return claim;
        }
        if (mdev != null) {
            return mdev;
        }
        if (g.getDriver() == QueueGroup.Driver.cex4queue) {
            if (policy != null && policy.keeps(q)) {
                return new Cell(Holder.HOST_KEPT, policy.name());
            }
            if (g.getState() == QueueGroup.State.Offline || (card != null && Boolean.FALSE.equals(card.getOnline()))) {
                return new Cell(Holder.OFFLINE, null);
            }
            return new Cell(Holder.HOST, null);
        }
        return new Cell(Holder.FOREIGN, null);
    }

    /** Who the controller took each APQN off the host for (a reserved claim wins over a collateral one). */
    private static Map<Apqn, Cell> claims(APNodeState state) {
        Map<Apqn, Cell> out = new HashMap<>();
        var edits = state.getSpec() == null ? null : state.getSpec().getHostEdits();
        if (edits == null || edits.getClaims() == null) {
            return out;
        }
        for (Claim c : edits.getClaims()) {
            Holder h = switch (c.getKind()) {
                case Reserved -> Holder.RESERVED;
                case Collateral -> Holder.COLLATERAL;
                case Kept -> Holder.KEPT;
                case Admin -> Holder.ADMIN;
            };
            for (Apqn q : HostTargetMapper.claimApqns(c)) {
                Cell prev = out.get(q);
                if (prev == null || prev.holder() != Holder.RESERVED) {
                    out.put(q, new Cell(h, c.getOwner()));
                }
            }
        }
        return out;
    }

    /** The APQNs of every mdev the agent reports: the operator's by reservation, the others by uuid. */
    private static Map<Apqn, Cell> mdevs(List<MdevStatus> mdevs) {
        Map<Apqn, Cell> out = new HashMap<>();
        if (mdevs == null) {
            return out;
        }
        for (MdevStatus m : mdevs) {
            if (m.getMatrix() == null) {
                continue;
            }
            boolean owned = Boolean.TRUE.equals(m.getOwned()) && m.getReservation() != null;
            Cell cell = owned ? new Cell(Holder.RESERVED, m.getReservation()) : new Cell(Holder.FOREIGN_MDEV, m.getUuid());
            for (int a : RangeLists.parse(m.getMatrix().getAdapters()).idList()) {
                for (int d : RangeLists.parse(m.getMatrix().getDomains()).idList()) {
                    out.putIfAbsent(Apqn.of(a, d), cell);
                }
            }
        }
        return out;
    }

    private static List<Owner> owners(String node, SortedMap<Apqn, Cell> cells, List<MdevStatus> mdevs,
                                      List<APQNReservation> reservations) {
        Map<String, int[]> counts = new TreeMap<>();
        Map<String, Integer> kept = new TreeMap<>();
        for (Cell c : cells.values()) {
            if (c.holder().lettered()) {
                counts.computeIfAbsent(c.owner(), k -> new int[2])[c.holder() == Holder.RESERVED ? 0 : 1]++;
            } else if (c.holder() == Holder.KEPT) {
                kept.merge(c.owner(), 1, Integer::sum);
            }
        }
        Map<String, APQNReservation> byRef = new LinkedHashMap<>();
        reservations.stream().filter(r -> r.getStatus() != null && node.equals(r.getStatus().getNode())
                        || r.getSpec() != null && node.equals(r.getSpec().getNodeName()))
                .sorted(Comparator.comparing(APQNReservation::ref)).forEach(r -> byRef.put(r.ref(), r));
        Map<String, String> mdevOf = new HashMap<>();
        if (mdevs != null) {
            mdevs.stream().filter(m -> m.getReservation() != null).forEach(m -> mdevOf.put(m.getReservation(), m.getUuid()));
        }
        List<Owner> out = new ArrayList<>();
        int i = 0;
        for (var e : counts.entrySet()) {
            char letter = i < LETTERS.length() ? LETTERS.charAt(i) : MORE;
            i++;
            var r = Optional.ofNullable(byRef.get(e.getKey()));
            out.add(new Owner(letter, e.getKey(), r.map(x -> x.getStatus()).map(x -> x.getPhase()).orElse(null),
                    mdevOf.getOrDefault(e.getKey(), r.map(x -> x.getStatus()).map(x -> x.getMdevUuid()).orElse(null)),
                    e.getValue()[0], e.getValue()[1], kept.getOrDefault(e.getKey(), 0)));
        }
        for (var e : byRef.entrySet()) {
            if (!counts.containsKey(e.getKey())) {
                var s = e.getValue().getStatus();
                out.add(new Owner((char) 0, e.getKey(), s == null ? null : s.getPhase(), s == null ? null : s.getMdevUuid(), 0, 0,
                        kept.getOrDefault(e.getKey(), 0)));
            }
        }
        for (var e : kept.entrySet()) {
            if (!counts.containsKey(e.getKey()) && !byRef.containsKey(e.getKey())) {
                // released and gone, its queues kept off the host
                out.add(new Owner((char) 0, e.getKey(), null, null, 0, 0, e.getValue()));
            }
        }
        return List.copyOf(out);
    }

    /** The grid letter of a reservation that holds APQNs here (0 if it holds none). */
    public char letterOf(String reservation) {
        return owners.stream().filter(o -> o.reservation().equals(reservation)).map(Owner::letter).findFirst().orElse((char) 0);
    }

    /** The character the grid shows for one queue device. */
    public char symbolOf(Cell c) {
        if (!c.holder().lettered()) {
            return c.holder().symbol();
        }
        char letter = letterOf(c.owner());
        if (letter == MORE) {
            return c.holder() == Holder.RESERVED ? MORE : MORE_COLLATERAL;
        }
        return c.holder() == Holder.RESERVED ? letter : Character.toLowerCase(letter);
    }

    /** The character for an adapter x domain, {@link Holder#NONE}'s where there is no queue device. */
    public char symbolAt(int adapter, int domain) {
        Cell c = cells.get(Apqn.of(adapter, domain));
        return c == null ? Holder.NONE.symbol() : symbolOf(c);
    }
}
