package dev.apqn.apbus.sim;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.apbus.sim.MachineProfile.Card;
import dev.apqn.apbus.sim.MachineProfile.HostConfig;
import dev.apqn.apbus.sim.MachineProfile.InitialState;
import dev.apqn.apbus.sim.MachineProfile.Mdev;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntFunction;
import java.util.regex.Pattern;

import static dev.apqn.apbus.sim.ProfileText.quote;

/**
 * The cross-field rules of a {@link MachineProfile}: ids within the maxima, unique cards, and
 * boot-time mdevs the kernel would accept (each problem names the errno the kernel would return).
 * Applies to parsed profiles and to profiles built in code alike.
 */
final class ProfileValidator {

    static final Pattern UUID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    static final String UUID_FIX = "write 8-4-4-4-12 hex digits, e.g. \"7a3c9e1d-2b4f-4c6a-9e8d-1f2a3b4c5d6e\"";
    private static final String APXA_FIX = "(needs APXA, up to 255)";

    private ProfileValidator() {
    }

    /**
     * The problems of {@code p}, empty when valid. {@code cardPath} names card {@code i} in messages;
     * {@code defaulted}: paths whose values were derived from other fields, so not reported twice.
     */
    static List<String> problems(MachineProfile p, IntFunction<String> cardPath, Set<String> defaulted) {
        List<String> out = new ArrayList<>();
        if (p.maxAdapterId() < 0 || p.maxAdapterId() > ApMask.MAX_ID) {
            out.add("maxAdapterId: " + p.maxAdapterId() + " is out of range; use 63 (no APXA) or up to 255 (APXA)");
        }
        if (p.maxDomainId() < 0 || p.maxDomainId() > ApMask.MAX_ID) {
            out.add("maxDomainId: " + p.maxDomainId() + " is out of range; use 15 (no APXA) or up to 255 (APXA, 84 is typical)");
        }
        cardRules(p, cardPath, out);

        HostConfig h = p.hostConfig();
        rangeCheck(out, "hostConfig.adapters", defaulted.contains("hostConfig.adapters") ? ApMask.none() : h.adapters(), "adapter", "maxAdapterId", p.maxAdapterId(), "or remove the adapter");
        rangeCheck(out, "hostConfig.usageDomains", h.usageDomains(), "domain", "maxDomainId", p.maxDomainId(), "or remove the domain");
        rangeCheck(out, "hostConfig.controlDomains", defaulted.contains("hostConfig.controlDomains") ? ApMask.none() : h.controlDomains(), "control domain", "maxDomainId", p.maxDomainId(),
                "or remove the control domain");

        mdevRules(p, out);
        return out;
    }

    /** Card ids unique and within maxAdapterId. */
    private static void cardRules(MachineProfile p, IntFunction<String> cardPath, List<String> out) {
        Map<Integer, String> firstPath = new LinkedHashMap<>();
        Map<String, Map<String, List<Integer>>> dupes = new LinkedHashMap<>();
        Map<String, List<Integer>> above = new LinkedHashMap<>();
        for (int i = 0; i < p.cards().size(); i++) {
            Card c = p.cards().get(i);
            String path = cardPath.apply(i);
            String earlier = firstPath.putIfAbsent(c.id(), path);
            if (earlier != null) {
                dupes.computeIfAbsent(path, k -> new LinkedHashMap<>()).computeIfAbsent(earlier, k -> new ArrayList<>()).add(c.id());
            }
            if (c.id() > p.maxAdapterId()) {
                above.computeIfAbsent(path, k -> new ArrayList<>()).add(c.id());
            }
        }
        above.forEach((path, ids) -> out.add(path + ": " + aboveMax("adapter", ApMask.of(ids), "maxAdapterId", p.maxAdapterId())
                + "; raise maxAdapterId " + APXA_FIX + " or remove the card"));
        dupes.forEach((path, byEarlier) -> byEarlier.forEach((earlier, ids) -> out.add(path + ": " + plural("adapter", ApMask.of(ids))
                + (ids.size() == 1 ? " is" : " are") + " already defined by " + earlier
                + "; card ids must be unique, change or remove one of them")));
    }

    /** Boot-time mdevs: what the kernel would refuse when they are created and assigned at boot. */
    private static void mdevRules(MachineProfile p, List<String> out) {
        HostConfig h = p.hostConfig();
        InitialState init = p.initial();
        List<Mdev> mdevs = init.mdevs();
        if (!mdevs.isEmpty() && !init.vfioApLoaded()) {
            out.add("initial.vfioApLoaded: false, but initial.mdevs lists " + mdevs.size() + " mdev" + (mdevs.size() == 1 ? "" : "s")
                    + "; mdevs exist only while vfio_ap is loaded, set vfioApLoaded: true or remove the mdevs");
        }
        Map<String, Integer> uuids = new TreeMap<>();
        ApMask queueAdapters = p.deviceAdapters();
        for (int i = 0; i < mdevs.size(); i++) {
            Mdev m = mdevs.get(i);
            String path = "initial.mdevs[" + i + "]";
            if (!UUID.matcher(m.uuid()).matches()) {
                out.add(path + ".uuid: " + quote(m.uuid()) + " is not a UUID; " + UUID_FIX);
            }
            Integer other = uuids.putIfAbsent(m.uuid().toLowerCase(Locale.ROOT), i);
            if (other != null) {
                out.add(path + ".uuid: " + m.uuid() + " is already used by initial.mdevs[" + other
                        + "]; the kernel refuses a second mdev with the same UUID (EEXIST), pick another UUID");
            }
            String enodev = "; the kernel refuses it (ENODEV), raise the maximum " + APXA_FIX + " or remove it";
            rangeCheck(out, path + ".adapters", m.adapters(), "adapter", "maxAdapterId", p.maxAdapterId(), enodev);
            rangeCheck(out, path + ".domains", m.domains(), "domain", "maxDomainId", p.maxDomainId(), enodev);
            rangeCheck(out, path + ".controlDomains", m.controlDomains(), "control domain", "maxDomainId", p.maxDomainId(), enodev);

            ApMask ownedA = m.adapters().and(init.apmask());
            ApMask ownedD = m.domains().and(init.aqmask());
            if (!ownedA.isEmpty() && !ownedD.isEmpty()) {
                out.add(path + ": " + apqns(ownedA, ownedD) + " host-owned under the initial masks (apmask and aqmask both set)"
                        + "; the kernel refuses to assign host-owned queues (EADDRNOTAVAIL), clear "
                        + plural("adapter", ownedA) + " in initial.apmask or " + plural("domain", ownedD)
                        + " in initial.aqmask, or remove them from the mdev");
            }
            for (int j = 0; j < i; j++) {
                Mdev o = mdevs.get(j);
                ApMask sharedA = m.adapters().and(o.adapters());
                ApMask sharedD = m.domains().and(o.domains());
                if (!sharedA.isEmpty() && !sharedD.isEmpty()) {
                    out.add(path + ": " + apqns(sharedA, sharedD) + " also assigned to initial.mdevs[" + j + "] (" + o.uuid()
                            + "); the kernel forbids overlapping mdevs (EADDRINUSE), remove the shared adapters or domains from one of them");
                }
            }
            if (!p.kernel().atLeast(KernelLevel.DYNAMIC)) {
                ApMask noCard = m.adapters().andNot(queueAdapters);
                ApMask noDomain = m.domains().andNot(h.usageDomains());
                if (!m.domains().isEmpty() && !m.adapters().isEmpty() && (!noCard.isEmpty() || !noDomain.isEmpty())) {
                    List<String> why = new ArrayList<>();
                    if (!noCard.isEmpty()) {
                        why.add(plural("adapter", noCard) + " (no configured card)");
                    }
                    if (!noDomain.isEmpty()) {
                        why.add(plural("domain", noDomain) + " (not in hostConfig.usageDomains)");
                    }
                    out.add(path + ": kernel legacy (before 6.0) only assigns queues that exist and are bound to vfio_ap, but "
                            + String.join(" and ", why) + " have no queue devices; assign only existing queues or use kernel dynamic or later");
                }
            }
        }
    }

    private static void rangeCheck(List<String> out, String path, ApMask ids, String noun, String maxName, int max, String fix) {
        if (max < 0 || max >= ApMask.MAX_ID) {
            return;
        }
        ApMask bad = ids.and(ApMask.fromRange(max + 1, ApMask.MAX_ID));
        if (!bad.isEmpty()) {
            String raise = fix.startsWith(";") ? fix : "; raise " + maxName + " " + APXA_FIX + " " + fix;
            out.add(path + ": " + aboveMax(noun, bad, maxName, max) + raise);
        }
    }

    private static String aboveMax(String noun, ApMask bad, String maxName, int max) {
        return plural(noun, bad) + (bad.cardinality() == 1 ? " is" : " are") + " above " + maxName + " " + max;
    }

    private static String plural(String noun, ApMask ids) {
        return (ids.cardinality() == 1 ? noun : noun + "s") + " " + ids.toRangeList();
    }

    /** Up to four APQNs by name, then how many more, with the matching verb. */
    private static String apqns(ApMask adapters, ApMask domains) {
        List<String> names = new ArrayList<>();
        int total = adapters.cardinality() * domains.cardinality();
        outer:
        for (int a : adapters.idList()) {
            for (int d : domains.idList()) {
                if (names.size() == 4) {
                    break outer;
                }
                names.add(Apqn.of(a, d).toString());
            }
        }
        String list = String.join(", ", names) + (total > names.size() ? " and " + (total - names.size()) + " more" : "");
        return (total == 1 ? "APQN " : "APQNs ") + list + (total == 1 ? " is" : " are");
    }
}
