package dev.apqn.apbus.sim;

import dev.apqn.ap.ApMask;
import dev.apqn.apbus.sim.MachineProfile.Card;
import dev.apqn.apbus.sim.MachineProfile.HostConfig;
import dev.apqn.apbus.sim.MachineProfile.InitialState;
import dev.apqn.apbus.sim.MachineProfile.Mdev;
import dev.apqn.apbus.sim.ProfileYaml.MapNode;
import dev.apqn.apbus.sim.ProfileYaml.Node;
import dev.apqn.apbus.sim.ProfileYaml.Scalar;
import dev.apqn.apbus.sim.ProfileYaml.SeqNode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.apqn.apbus.sim.ProfileText.quote;
import static dev.apqn.apbus.sim.ProfileYaml.isAbsent;

/**
 * Turns a YAML node tree into a {@link MachineProfile}: the shape and value rules of each field and
 * the defaults of omitted ones (see {@link MachineProfiles} for the format). Cross-field rules are
 * {@link ProfileValidator}'s; they run only when this step found no problem.
 */
final class ProfileInterpreter {

    private static final List<String> TOP_FIELDS = List.of(
            "name", "description", "kernel", "maxAdapterId", "maxDomainId", "cards", "hostConfig", "initial");
    private static final List<String> HOST_FIELDS = List.of("adapters", "usageDomains", "controlDomains");
    private static final List<String> INITIAL_FIELDS = List.of("apmask", "aqmask", "vfioApLoaded", "mdevs");
    private static final List<String> MDEV_FIELDS = List.of("uuid", "adapters", "domains", "controlDomains");
    private static final String KERNELS = Arrays.stream(KernelLevel.values()).map(KernelLevel::yamlName).collect(Collectors.joining(", "));

    private final ProfileFields fields = new ProfileFields();
    private final ProfileCards cards = new ProfileCards(fields);
    final List<String> problems = fields.problems;
    private final String defaultName;
    /**
     * Fields filled in from other fields (hostConfig.adapters, hostConfig.controlDomains): a range
     * problem there is the source field's, so the validator does not report it twice.
     */
    final Set<String> defaulted = new HashSet<>();

    ProfileInterpreter(String defaultName) {
        this.defaultName = defaultName;
    }

    /** The YAML path that defined card {@code i} of the profile. */
    String cardPath(int i) {
        return cards.cardPath(i);
    }

    /** The profile, or null when {@link #problems} is not empty. */
    MachineProfile profile(Node root) {
        MapNode m = fields.map(root, "", TOP_FIELDS);
        if (m == null) {
            return null;
        }
        String name = fields.text(m, "name", "");
        if (name == null || name.isBlank()) {
            name = defaultName;
        }
        String description = fields.text(m, "description", "");
        String desc = description == null ? "" : description.strip();
        KernelLevel kernel = kernel(m.fields().get("kernel"));
        int maxA = fields.integer(m, "", "maxAdapterId", MachineProfile.NO_APXA_MAX_ADAPTER_ID, 0, 255,
                "use 63 (no APXA) or up to 255 (APXA)");
        int maxD = fields.integer(m, "", "maxDomainId", MachineProfile.NO_APXA_MAX_DOMAIN_ID, 0, 255,
                "use 15 (no APXA) or up to 255 (APXA, 84 is typical)");
        boolean apxa = maxA > MachineProfile.NO_APXA_MAX_ADAPTER_ID || maxD > MachineProfile.NO_APXA_MAX_DOMAIN_ID;
        List<Card> cardList = cards.cards(m.fields().get("cards"), apxa);
        HostConfig host = hostConfig(m.fields().get("hostConfig"), cardList);
        InitialState initial = initial(m.fields().get("initial"));
        if (kernel == null || cardList == null || host == null || initial == null || !problems.isEmpty()) {
            return null;
        }
        return new MachineProfile(name, desc, kernel, maxA, maxD, cardList, host, initial);
    }

    private KernelLevel kernel(Node n) {
        if (n == null || n instanceof Scalar s && s.text() == null) {
            problems.add("kernel: missing; add kernel: with one of " + KERNELS);
            return null;
        }
        String t = fields.scalarText(n, "kernel");
        if (t == null) {
            return null;
        }
        for (KernelLevel k : KernelLevel.values()) {
            if (k.yamlName().equalsIgnoreCase(t.strip())) {
                return k;
            }
        }
        problems.add("kernel: " + quote(t) + " is not a kernel level; use one of " + KERNELS);
        return null;
    }

    private HostConfig hostConfig(Node n, List<Card> cardList) {
        if (n == null) {
            problems.add("hostConfig: missing; add hostConfig: with usageDomains (and optionally adapters, controlDomains)");
            return null;
        }
        MapNode m = fields.map(n, "hostConfig", HOST_FIELDS);
        if (m == null) {
            return null;
        }
        Map<String, Node> f = m.fields();
        if (isAbsent(f.get("adapters"))) {
            defaulted.add("hostConfig.adapters");
        }
        if (isAbsent(f.get("controlDomains"))) {
            defaulted.add("hostConfig.controlDomains");
        }
        ApMask adapters = isAbsent(f.get("adapters"))
                ? (cardList == null ? null : ApMask.of(cardList.stream().map(Card::id).toList()))
                : fields.idSet(f.get("adapters"), "hostConfig.adapters");
        ApMask usage = null;
        if (isAbsent(f.get("usageDomains"))) {
            problems.add("hostConfig.usageDomains: missing; list the usage domains this LPAR may use, e.g. usageDomains: \"0-15\"");
        } else {
            usage = fields.idSet(f.get("usageDomains"), "hostConfig.usageDomains");
        }
        ApMask control = isAbsent(f.get("controlDomains")) ? usage : fields.idSet(f.get("controlDomains"), "hostConfig.controlDomains");
        if (adapters == null || usage == null || control == null) {
            return null;
        }
        return new HostConfig(adapters, usage, control);
    }

    private InitialState initial(Node n) {
        if (isAbsent(n)) {
            return InitialState.defaults();
        }
        MapNode m = fields.map(n, "initial", INITIAL_FIELDS);
        if (m == null) {
            return null;
        }
        Map<String, Node> f = m.fields();
        ApMask apmask = fields.mask(f.get("apmask"), "initial.apmask");
        ApMask aqmask = fields.mask(f.get("aqmask"), "initial.aqmask");
        Boolean vfio = fields.bool(f.get("vfioApLoaded"), "initial.vfioApLoaded", false);
        List<Mdev> mdevs = new ArrayList<>();
        Node mn = f.get("mdevs");
        if (mn instanceof SeqNode seq) {
            for (int i = 0; i < seq.items().size(); i++) {
                Mdev md = mdev(seq.items().get(i), "initial.mdevs[" + i + "]");
                if (md != null) {
                    mdevs.add(md);
                }
            }
        } else if (!isAbsent(mn)) {
            problems.add("initial.mdevs: expected a list of mdevs, e.g. - {uuid: ..., adapters: [6], domains: \"10-11\"}");
        }
        if (apmask == null || aqmask == null || vfio == null) {
            return null;
        }
        return new InitialState(apmask, aqmask, vfio, mdevs);
    }

    private Mdev mdev(Node n, String path) {
        MapNode m = fields.map(n, path, MDEV_FIELDS);
        if (m == null) {
            return null;
        }
        Map<String, Node> f = m.fields();
        String uuid = null;
        if (isAbsent(f.get("uuid"))) {
            problems.add(path + ".uuid: missing; add uuid: with the mdev's UUID, "
                    + ProfileValidator.UUID_FIX.substring("write ".length()));
        } else {
            String t = fields.scalarText(f.get("uuid"), path + ".uuid");
            if (t != null && !ProfileValidator.UUID.matcher(t.strip()).matches()) {
                problems.add(path + ".uuid: " + quote(t) + " is not a UUID; " + ProfileValidator.UUID_FIX);
            } else if (t != null) {
                uuid = t.strip().toLowerCase(Locale.ROOT);
            }
        }
        ApMask a = isAbsent(f.get("adapters")) ? ApMask.none() : fields.idSet(f.get("adapters"), path + ".adapters");
        ApMask d = isAbsent(f.get("domains")) ? ApMask.none() : fields.idSet(f.get("domains"), path + ".domains");
        ApMask c = isAbsent(f.get("controlDomains")) ? ApMask.none() : fields.idSet(f.get("controlDomains"), path + ".controlDomains");
        if (uuid == null || a == null || d == null || c == null) {
            return null;
        }
        return new Mdev(uuid, a, d, c);
    }
}
