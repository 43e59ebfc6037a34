package dev.apqn.plan;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One node as its agent reported it in {@code APNodeState.status}, plus what the operator already
 * keeps off its host.
 *
 * @param nodeName             the node
 * @param mode                 how APQNs move off the host on this node
 * @param inventoryGeneration  the agent's inventory generation (goes into every plan hash)
 * @param queues               the existing queue devices
 * @param configuredAdapters   host configuration (QCI apm)
 * @param configuredDomains    host configuration, usage domains (QCI aqm)
 * @param configuredControlDomains host configuration, control domains (QCI adm)
 * @param apmask               current {@code /sys/bus/ap/apmask}
 * @param aqmask               current {@code /sys/bus/ap/aqmask}
 * @param foreignMdevs         mdevs the operator did not make
 * @param foreignAdaptersOff   apmask bits cleared by someone else (left alone, relied on when useful)
 * @param foreignDomainsOff    aqmask bits cleared by someone else
 * @param foreignOverrides     queues whose driver_override someone else set
 * @param keptClaims           KEPT claims carried over from {@code APNodeState.spec} (deleted reservations with Keep)
 * @param dynamicVfioAp        the node's vfio_ap has the 6.0+ dynamic design (the agent reports {@code guest_matrix}
 *                             present): an assignment needs neither existing nor bound queues, only APQNs that are not
 *                             host-owned, and the kernel filters what the host configuration lacks out of
 *                             {@code guest_matrix} (ap-bus.md §5.2, §5.4). False (the default) when pre-6.0 or not
 *                             known yet: every APQN must then be a queue bound to vfio_ap.
 * @param maxAdapterId         {@code ap_max_adapter_id}: the kernel refuses to assign a larger adapter (ENODEV, §1.8);
 *                             255 (the default) when not reported
 * @param maxDomainId          {@code ap_max_domain_id}: the same for usage and control domains
 */
public record NodeInput(String nodeName, OwnershipMode mode, long inventoryGeneration, SortedMap<Apqn, QueueInfo> queues,
                        ApMask configuredAdapters, ApMask configuredDomains, ApMask configuredControlDomains,
                        ApMask apmask, ApMask aqmask, List<ForeignMdev> foreignMdevs,
                        ApMask foreignAdaptersOff, ApMask foreignDomainsOff, SortedSet<Apqn> foreignOverrides,
                        List<OffHostClaim> keptClaims, boolean dynamicVfioAp, int maxAdapterId, int maxDomainId) {

    /** The largest id an AP mask can hold: the default maximum when the agent reported none. */
    public static final int MAX_ID = ApMask.BITS - 1;

    public NodeInput {
        Objects.requireNonNull(nodeName, "nodeName");
        Objects.requireNonNull(mode, "mode");
        queues = new TreeMap<>(queues);
        Objects.requireNonNull(configuredAdapters, "configuredAdapters");
        Objects.requireNonNull(configuredDomains, "configuredDomains");
        Objects.requireNonNull(configuredControlDomains, "configuredControlDomains");
        Objects.requireNonNull(apmask, "apmask");
        Objects.requireNonNull(aqmask, "aqmask");
        foreignMdevs = List.copyOf(foreignMdevs);
        Objects.requireNonNull(foreignAdaptersOff, "foreignAdaptersOff");
        Objects.requireNonNull(foreignDomainsOff, "foreignDomainsOff");
        foreignOverrides = new TreeSet<>(foreignOverrides);
        keptClaims = List.copyOf(keptClaims);
        if (maxAdapterId < 0 || maxAdapterId > MAX_ID || maxDomainId < 0 || maxDomainId > MAX_ID) {
            throw new IllegalArgumentException("maxAdapterId/maxDomainId must be 0-" + MAX_ID + ", not " + maxAdapterId + "/" + maxDomainId);
        }
        for (OffHostClaim c : keptClaims) {
            if (c.kind() != OffHostClaim.Kind.KEPT) {
                throw new IllegalArgumentException("keptClaims holds only KEPT claims, not " + c.kind() + " of " + c.owner());
            }
        }
    }

    /** As before the capability fields: not known to be dynamic, maxima unknown (255). */
    public NodeInput(String nodeName, OwnershipMode mode, long inventoryGeneration, SortedMap<Apqn, QueueInfo> queues,
                     ApMask configuredAdapters, ApMask configuredDomains, ApMask configuredControlDomains,
                     ApMask apmask, ApMask aqmask, List<ForeignMdev> foreignMdevs,
                     ApMask foreignAdaptersOff, ApMask foreignDomainsOff, SortedSet<Apqn> foreignOverrides,
                     List<OffHostClaim> keptClaims) {
        this(nodeName, mode, inventoryGeneration, queues, configuredAdapters, configuredDomains, configuredControlDomains,
                apmask, aqmask, foreignMdevs, foreignAdaptersOff, foreignDomainsOff, foreignOverrides, keptClaims,
                false, MAX_ID, MAX_ID);
    }

    /**
     * Whether this node's kernel accepts an assignment of APQNs outside its host configuration (and
     * filters them out of guest_matrix): only a mask-mode node with a dynamic (6.0+) vfio_ap. Pre-6.0
     * needs bound queues; in driver_override mode the masks stay all ones, so a queue that does not
     * exist has no override and stays host-owned (EADDRNOTAVAIL, ap-bus.md §3.3).
     */
    public boolean assignsOutsideHostConfiguration() {
        return mode == OwnershipMode.MASKS && dynamicVfioAp;
    }

    public static Builder builder(String nodeName, OwnershipMode mode, long inventoryGeneration) {
        return new Builder(nodeName, mode, inventoryGeneration);
    }

    public Builder toBuilder() {
        Builder b = new Builder(nodeName, mode, inventoryGeneration);
        b.queues.putAll(queues);
        b.configuredAdapters = configuredAdapters;
        b.configuredDomains = configuredDomains;
        b.configuredControlDomains = configuredControlDomains;
        b.apmask = apmask;
        b.aqmask = aqmask;
        b.foreignMdevs.addAll(foreignMdevs);
        b.foreignAdaptersOff = foreignAdaptersOff;
        b.foreignDomainsOff = foreignDomainsOff;
        b.foreignOverrides.addAll(foreignOverrides);
        b.keptClaims.addAll(keptClaims);
        b.dynamicVfioAp = dynamicVfioAp;
        b.maxAdapterId = maxAdapterId;
        b.maxDomainId = maxDomainId;
        return b;
    }

    /**
     * Builds a node input; configuration defaults to exactly the adapters and domains of the queues
     * added, masks to all ones.
     */
    public static final class Builder {
        private final String nodeName;
        private OwnershipMode mode;
        private long inventoryGeneration;
        private final SortedMap<Apqn, QueueInfo> queues = new TreeMap<>();
        private ApMask configuredAdapters;
        private ApMask configuredDomains;
        private ApMask configuredControlDomains;
        private ApMask apmask = ApMask.all();
        private ApMask aqmask = ApMask.all();
        private final List<ForeignMdev> foreignMdevs = new ArrayList<>();
        private ApMask foreignAdaptersOff = ApMask.none();
        private ApMask foreignDomainsOff = ApMask.none();
        private final SortedSet<Apqn> foreignOverrides = new TreeSet<>();
        private final List<OffHostClaim> keptClaims = new ArrayList<>();
        private boolean dynamicVfioAp;
        private int maxAdapterId = MAX_ID;
        private int maxDomainId = MAX_ID;

        private Builder(String nodeName, OwnershipMode mode, long inventoryGeneration) {
            this.nodeName = nodeName;
            this.mode = mode;
            this.inventoryGeneration = inventoryGeneration;
        }

        public Builder mode(OwnershipMode m) {
            this.mode = m;
            return this;
        }

        public Builder generation(long g) {
            this.inventoryGeneration = g;
            return this;
        }

        public Builder queue(Apqn apqn, QueueInfo info) {
            queues.put(apqn, info);
            return this;
        }

        /** Queue devices for every adapter × domain given, all of one card generation and mode. */
        public Builder queues(ApMask adapters, ApMask domains, QueueInfo info) {
            adapters.ids().forEach(a -> domains.ids().forEach(d -> queues.put(Apqn.of(a, d), info)));
            return this;
        }

        public Builder removeQueue(Apqn apqn) {
            queues.remove(apqn);
            return this;
        }

        public Builder configured(ApMask adapters, ApMask domains, ApMask controlDomains) {
            this.configuredAdapters = adapters;
            this.configuredDomains = domains;
            this.configuredControlDomains = controlDomains;
            return this;
        }

        public Builder masks(ApMask ap, ApMask aq) {
            this.apmask = ap;
            this.aqmask = aq;
            return this;
        }

        public Builder foreignMdev(ForeignMdev m) {
            foreignMdevs.add(m);
            return this;
        }

        /** Bits someone else cleared: recorded as foreign and cleared in the current masks. */
        public Builder foreignOff(ApMask adapters, ApMask domains) {
            foreignAdaptersOff = foreignAdaptersOff.or(adapters);
            foreignDomainsOff = foreignDomainsOff.or(domains);
            apmask = apmask.andNot(adapters);
            aqmask = aqmask.andNot(domains);
            return this;
        }

        public Builder foreignOverride(Apqn apqn) {
            foreignOverrides.add(apqn);
            return this;
        }

        public Builder kept(OffHostClaim claim) {
            keptClaims.add(claim);
            return this;
        }

        /** The node's vfio_ap is 6.0+ (the agent reports guest_matrix present). */
        public Builder dynamicVfioAp(boolean dynamic) {
            this.dynamicVfioAp = dynamic;
            return this;
        }

        /** {@code ap_max_adapter_id} and {@code ap_max_domain_id} as the agent reports them. */
        public Builder maxIds(int maxAdapter, int maxDomain) {
            this.maxAdapterId = maxAdapter;
            this.maxDomainId = maxDomain;
            return this;
        }

        public NodeInput build() {
            ApMask ca = configuredAdapters != null ? configuredAdapters
                    : ApMask.of(queues.keySet().stream().map(Apqn::adapter).toList());
            ApMask cd = configuredDomains != null ? configuredDomains
                    : ApMask.of(queues.keySet().stream().map(Apqn::domain).toList());
            ApMask cc = configuredControlDomains != null ? configuredControlDomains : cd;
            return new NodeInput(nodeName, mode, inventoryGeneration, queues, ca, cd, cc, apmask, aqmask, foreignMdevs,
                    foreignAdaptersOff, foreignDomainsOff, foreignOverrides, keptClaims, dynamicVfioAp, maxAdapterId,
                    maxDomainId);
        }
    }
}
