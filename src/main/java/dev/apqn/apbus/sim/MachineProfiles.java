package dev.apqn.apbus.sim;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.apqn.apbus.ApMask;
import dev.apqn.apbus.ApSyntaxException;
import dev.apqn.apbus.Apqn;
import dev.apqn.apbus.sim.MachineProfile.Card;
import dev.apqn.apbus.sim.MachineProfile.Generation;
import dev.apqn.apbus.sim.MachineProfile.HostConfig;
import dev.apqn.apbus.sim.MachineProfile.InitialState;
import dev.apqn.apbus.sim.MachineProfile.Mdev;
import dev.apqn.apbus.sim.MachineProfile.Mode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Loads {@link MachineProfile}s from YAML and validates them. Every problem names the field by its
 * YAML path and says how to fix it; all problems are reported together in one
 * {@link ProfileException}.
 *
 * <h2>Format</h2>
 * <pre>
 * name: mask-mode-apconfig          # optional, default: the file name without .yaml
 * description: z16 LPAR ...         # optional
 * kernel: ap-config                 # legacy | dynamic | ap-config | matrix-features | driver-override
 * maxAdapterId: 255                 # optional, default 63 (no APXA); up to 255 with APXA
 * maxDomainId: 84                   # optional, default 15 (no APXA); up to 255 with APXA
 * cards:                            # installed crypto cards
 *   - {id: 0x03, type: CEX8C}       # type = generation + C (CCA) | P (EP11) | A (accelerator)
 *   - {id: 0x04, generation: CEX8, mode: EP11, functions: "S----XN-F", depth: 8}
 *   - {ids: "0x10-0x1f", type: CEX7A}   # several identical cards
 * hostConfig:                       # what QCI gives this LPAR
 *   adapters: 0x03-0x06             # optional, default: the ids of all cards
 *   usageDomains: 0-15              # required
 *   controlDomains: 0-15            # optional, default: the usage domains
 * initial:                          # optional
 *   apmask: "-6"                    # optional, default all ones (kernel default)
 *   aqmask: [10, 11]
 *   vfioApLoaded: true              # default false
 *   mdevs:
 *     - {uuid: 7a3c..., adapters: [6], domains: "10-11", controlDomains: "10-11"}
 * </pre>
 *
 * <p><b>Id sets</b> (card {@code ids}, hostConfig, mdev fields): a number, a string of ids and
 * inclusive ranges separated by commas, e.g. {@code "0-15,32"}, {@code 0x03-0x06}, or a YAML list
 * of such items, e.g. {@code [3, 4, "8-11"]}. Numbers are decimal unless written {@code 0x..}; a
 * leading 0 is decimal, not octal. {@code []} or {@code ""} is the empty set.
 *
 * <p><b>Initial masks</b> ({@code initial.apmask}, {@code initial.aqmask}): absent = all ones; a
 * string starting with {@code +} or {@code -} is the kernel's relative syntax applied to the
 * all-ones default (as if echoed into {@code /sys/bus/ap/apmask} after boot, e.g. {@code "-6"} or
 * {@code "-0x0a-0x0b"}); {@code 0x} followed by hex digits only is the kernel's absolute mask (bit
 * 0 = leftmost, so {@code 0x03} means bits 6 and 7); anything else is an id set giving the bits
 * that are set.
 *
 * <p><b>Cards</b>: {@code functions} absent or 0 = a realistic {@code ap_functions} word for the mode
 * ({@link Card#realisticFunctions}); else a 32-bit word ({@code 0xf2800000}) or lszcrypt letters by
 * position ({@code "S--D--N--"}, letters S M C D A X N H F R), whose mode bit must match the mode.
 * {@code depth} defaults to 8. A card whose adapter is not in {@code hostConfig.adapters} is
 * allowed: it is installed but configured to another LPAR, so it gets no device.
 */
public final class MachineProfiles {

    /** Classpath folder of the bundled profiles. */
    public static final String RESOURCE_DIR = "profiles/";
    private static final String INDEX = RESOURCE_DIR + "index.txt";

    private static final List<String> TOP_FIELDS = List.of(
            "name", "description", "kernel", "maxAdapterId", "maxDomainId", "cards", "hostConfig", "initial");
    private static final List<String> CARD_FIELDS = List.of("id", "ids", "type", "generation", "mode", "functions", "depth");
    private static final List<String> HOST_FIELDS = List.of("adapters", "usageDomains", "controlDomains");
    private static final List<String> INITIAL_FIELDS = List.of("apmask", "aqmask", "vfioApLoaded", "mdevs");
    private static final List<String> MDEV_FIELDS = List.of("uuid", "adapters", "domains", "controlDomains");

    private static final Pattern UUID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern TYPE = Pattern.compile("CEX([0-9]+)([A-Z]?)", Pattern.CASE_INSENSITIVE);
    private static final Pattern HEX_MASK = Pattern.compile("0x[0-9a-fA-F]*");
    private static final String ID_SYNTAX = "write ids and ranges like \"0-15,32\" or \"0x03-0x06\", or a YAML list like [3, 4, \"8-11\"]";
    private static final String GENERATIONS = Arrays.stream(Generation.values()).map(Enum::name).collect(Collectors.joining(", "));
    private static final String MODES = Arrays.stream(Mode.values()).map(Mode::yamlName).collect(Collectors.joining(", "));
    private static final String KERNELS = Arrays.stream(KernelLevel.values()).map(KernelLevel::yamlName).collect(Collectors.joining(", "));
    private static final String APXA_FIX = "(needs APXA, up to 255)";

    private MachineProfiles() {
    }

    // ------------------------------------------------------------------------------------ entry points

    /** Reads and validates a profile file; the default name is the file name without {@code .yaml}. */
    public static MachineProfile load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ProfileException(file.toString(), "no such file; give a profile file or one of the bundled profiles: "
                    + String.join(", ", shipped()));
        } catch (IOException e) {
            throw new ProfileException(file.toString(), "cannot read: " + e.getMessage());
        }
        return parse(text, file.toString(), stem(file.getFileName().toString()));
    }

    /** Reads and validates the bundled profile {@code profiles/<name>.yaml} ({@code name} may end in {@code .yaml}). */
    public static MachineProfile loadResource(String name) {
        String stem = stem(name.startsWith(RESOURCE_DIR) ? name.substring(RESOURCE_DIR.length()) : name);
        String resource = RESOURCE_DIR + stem + ".yaml";
        String text = readResource(resource);
        if (text == null) {
            throw new ProfileException("classpath:" + resource, "no such bundled profile; bundled profiles: "
                    + String.join(", ", shipped()));
        }
        return parse(text, "classpath:" + resource, stem);
    }

    /**
     * For command lines (the tour's {@code --profile}): an existing file path, else a bundled profile
     * name such as {@code legacy} (a missing path whose file name is a bundled profile, e.g. the
     * Makefile's default {@code src/main/resources/profiles/mask-mode-apconfig.yaml} run from
     * another directory, also loads the bundled one).
     */
    public static MachineProfile resolve(String pathOrName) {
        Path path = Path.of(pathOrName);
        if (Files.isRegularFile(path)) {
            return load(path);
        }
        String stem = stem(path.getFileName() == null ? pathOrName : path.getFileName().toString());
        if (shipped().contains(stem)) {
            return loadResource(stem);
        }
        throw new ProfileException(pathOrName, "no such file and no bundled profile of that name; give a profile file or one of: "
                + String.join(", ", shipped()));
    }

    /** Names of the bundled profiles (load with {@link #loadResource}). */
    public static List<String> shipped() {
        String index = readResource(INDEX);
        if (index == null) {
            throw new IllegalStateException("classpath resource " + INDEX + " is missing");
        }
        return index.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

    /** Parses and validates YAML text. {@code source} is used in messages; {@code defaultName} when the YAML has no name. */
    public static MachineProfile parse(String yaml, String source, String defaultName) {
        Reader r = new Reader();
        Node root;
        try {
            root = r.read(yaml);
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String where = loc == null ? "" : "line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ": ";
            throw new ProfileException(source, where + "not valid YAML: " + e.getOriginalMessage().lines().findFirst().orElse("")
                    + "; check indentation, colons and brackets near that line");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!r.problems.isEmpty()) {
            throw new ProfileException(source, r.problems);
        }
        Interpreter in = new Interpreter(defaultName);
        MachineProfile profile = in.profile(root);
        List<String> problems = new ArrayList<>(in.problems);
        if (profile != null && problems.isEmpty()) {
            problems.addAll(problems(profile, in::cardPath, in.defaulted));
        }
        if (!problems.isEmpty()) {
            throw new ProfileException(source, problems);
        }
        return profile;
    }

    /**
     * The cross-field rules, for profiles built in code (cards are named {@code cards[i]} by their
     * index in {@link MachineProfile#cards()}). Empty when the profile is valid.
     */
    public static List<String> problems(MachineProfile p) {
        return problems(p, i -> "cards[" + i + "].id", Set.of());
    }

    /** Throws {@link ProfileException} when {@link #problems(MachineProfile)} finds any. */
    public static MachineProfile validate(MachineProfile p) {
        List<String> problems = problems(p);
        if (!problems.isEmpty()) {
            throw new ProfileException(p.name(), problems);
        }
        return p;
    }

    // ------------------------------------------------------------------------------------ cross-field rules

    /** {@code defaulted}: paths whose values were derived from other fields, so not reported twice. */
    private static List<String> problems(MachineProfile p, IntFunction<String> cardPath, Set<String> defaulted) {
        List<String> out = new ArrayList<>();
        if (p.maxAdapterId() < 0 || p.maxAdapterId() > ApMask.MAX_ID) {
            out.add("maxAdapterId: " + p.maxAdapterId() + " is out of range; use 63 (no APXA) or up to 255 (APXA)");
        }
        if (p.maxDomainId() < 0 || p.maxDomainId() > ApMask.MAX_ID) {
            out.add("maxDomainId: " + p.maxDomainId() + " is out of range; use 15 (no APXA) or up to 255 (APXA, 84 is typical)");
        }
        // cards: unique ids within maxAdapterId
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

        HostConfig h = p.hostConfig();
        rangeCheck(out, "hostConfig.adapters", defaulted.contains("hostConfig.adapters") ? ApMask.none() : h.adapters(), "adapter", "maxAdapterId", p.maxAdapterId(), "or remove the adapter");
        rangeCheck(out, "hostConfig.usageDomains", h.usageDomains(), "domain", "maxDomainId", p.maxDomainId(), "or remove the domain");
        rangeCheck(out, "hostConfig.controlDomains", defaulted.contains("hostConfig.controlDomains") ? ApMask.none() : h.controlDomains(), "control domain", "maxDomainId", p.maxDomainId(),
                "or remove the control domain");

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
        return out;
    }

    private static final String UUID_FIX = "write 8-4-4-4-12 hex digits, e.g. \"7a3c9e1d-2b4f-4c6a-9e8d-1f2a3b4c5d6e\"";

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

    // ------------------------------------------------------------------------------------ YAML → nodes

    /** A YAML value with its raw scalar text (so {@code 0x0a} and {@code 010} keep their spelling). */
    private sealed interface Node permits Scalar, MapNode, SeqNode {
    }

    /** {@code text} is null for YAML null ({@code ~} or nothing). */
    private record Scalar(String text) implements Node {
    }

    private record MapNode(Map<String, Node> fields) implements Node {
    }

    private record SeqNode(List<Node> items) implements Node {
    }

    private static final class Reader {
        final List<String> problems = new ArrayList<>();
        private JsonParser parser;

        Node read(String yaml) throws IOException {
            try (JsonParser p = new YAMLFactory().createParser(yaml)) {
                parser = p;
                JsonToken t = p.nextToken();
                return t == null ? new Scalar(null) : value(t, "");
            }
        }

        private Node value(JsonToken t, String path) throws IOException {
            switch (t) {
                case START_OBJECT -> {
                    Map<String, Node> fields = new LinkedHashMap<>();
                    JsonToken n;
                    while ((n = parser.nextToken()) == JsonToken.FIELD_NAME) {
                        String name = parser.currentName();
                        String child = join(path, name);
                        Node v = value(parser.nextToken(), child);
                        if (fields.putIfAbsent(name, v) != null) {
                            problems.add(child + ": given twice; keep one");
                        }
                    }
                    return new MapNode(fields);
                }
                case START_ARRAY -> {
                    List<Node> items = new ArrayList<>();
                    JsonToken n;
                    while ((n = parser.nextToken()) != JsonToken.END_ARRAY) {
                        items.add(value(n, path + "[" + items.size() + "]"));
                    }
                    return new SeqNode(items);
                }
                case VALUE_NULL -> {
                    return new Scalar(null);
                }
                default -> {
                    return new Scalar(parser.getText());
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------ nodes → records

    private static final class Interpreter {
        final List<String> problems = new ArrayList<>();
        final String defaultName;
        /** YAML path of each expanded card, by index in the record's card list. */
        final List<String> cardPaths = new ArrayList<>();
        /** Fields filled in from other fields (hostConfig.adapters, hostConfig.controlDomains). */
        final Set<String> defaulted = new HashSet<>();

        Interpreter(String defaultName) {
            this.defaultName = defaultName;
        }

        String cardPath(int i) {
            return cardPaths.get(i);
        }

        MachineProfile profile(Node root) {
            MapNode m = map(root, "", TOP_FIELDS);
            if (m == null) {
                return null;
            }
            String name = text(m, "name", "");
            if (name == null || name.isBlank()) {
                name = defaultName;
            }
            String description = text(m, "description", "");
            String desc = description == null ? "" : description.strip();
            KernelLevel kernel = kernel(m.fields().get("kernel"));
            int maxA = integer(m, "", "maxAdapterId", MachineProfile.NO_APXA_MAX_ADAPTER_ID, 0, 255,
                    "use 63 (no APXA) or up to 255 (APXA)");
            int maxD = integer(m, "", "maxDomainId", MachineProfile.NO_APXA_MAX_DOMAIN_ID, 0, 255,
                    "use 15 (no APXA) or up to 255 (APXA, 84 is typical)");
            boolean apxa = maxA > MachineProfile.NO_APXA_MAX_ADAPTER_ID || maxD > MachineProfile.NO_APXA_MAX_DOMAIN_ID;
            List<Card> cards = cards(m.fields().get("cards"), apxa);
            HostConfig host = hostConfig(m.fields().get("hostConfig"), cards);
            InitialState initial = initial(m.fields().get("initial"));
            if (kernel == null || cards == null || host == null || initial == null || !problems.isEmpty()) {
                return null;
            }
            return new MachineProfile(name, desc, kernel, maxA, maxD, cards, host, initial);
        }

        private KernelLevel kernel(Node n) {
            if (n == null || n instanceof Scalar s && s.text() == null) {
                problems.add("kernel: missing; add kernel: with one of " + KERNELS);
                return null;
            }
            String t = scalarText(n, "kernel");
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

        private List<Card> cards(Node n, boolean apxa) {
            if (n == null) {
                problems.add("cards: missing; list the installed crypto cards, e.g. cards: [{id: 0x03, type: CEX8C}] (or cards: [] for none)");
                return null;
            }
            if (n instanceof Scalar s && s.text() == null) {
                return List.of();
            }
            if (!(n instanceof SeqNode seq)) {
                problems.add("cards: expected a list of cards, e.g. - {id: 0x03, type: CEX8C}");
                return null;
            }
            List<Card> cards = new ArrayList<>();
            for (int i = 0; i < seq.items().size(); i++) {
                card(seq.items().get(i), "cards[" + i + "]", apxa, cards);
            }
            return cards;
        }

        private void card(Node n, String path, boolean apxa, List<Card> out) {
            MapNode m = map(n, path, CARD_FIELDS);
            if (m == null) {
                return;
            }
            Map<String, Node> f = m.fields();
            // ids
            ApMask ids = null;
            String idPath = null;
            if (f.containsKey("id") && f.containsKey("ids")) {
                problems.add(path + ": give either id or ids, not both");
            } else if (f.containsKey("id")) {
                idPath = path + ".id";
                Integer id = number(f.get("id"), idPath, 0, 255, "AP adapter numbers are 0..255");
                ids = id == null ? null : ApMask.of(id);
            } else if (f.containsKey("ids")) {
                idPath = path + ".ids";
                ids = idSet(f.get("ids"), idPath);
                if (ids != null && ids.isEmpty()) {
                    problems.add(idPath + ": empty; give at least one adapter, e.g. ids: \"0x10-0x1f\"");
                    ids = null;
                }
            } else {
                problems.add(path + ": missing id; add id: <adapter number> (or ids: \"0-15\" for several identical cards)");
            }
            // generation and mode
            Generation gen = null;
            Mode mode = null;
            if (f.containsKey("type")) {
                if (f.containsKey("generation") || f.containsKey("mode")) {
                    problems.add(path + ": give either type or generation and mode, not both");
                } else {
                    String t = scalarText(f.get("type"), path + ".type");
                    Matcher tm = t == null ? null : TYPE.matcher(t.strip());
                    if (tm != null && tm.matches()) {
                        gen = generation("CEX" + tm.group(1));
                        mode = modeBySuffix(tm.group(2));
                    }
                    if (t != null && (gen == null || mode == null)) {
                        problems.add(path + ".type: " + quote(t) + " is not a Crypto Express card type; use CEX4..CEX8 followed by "
                                + "C (CCA), P (EP11) or A (accelerator), e.g. CEX8C");
                    }
                }
            } else {
                if (!f.containsKey("generation")) {
                    problems.add(path + ".generation: missing; add generation: one of " + GENERATIONS + " (or type: CEX8C for both)");
                } else {
                    String t = scalarText(f.get("generation"), path + ".generation");
                    gen = t == null ? null : generation(t.strip());
                    if (t != null && gen == null) {
                        problems.add(path + ".generation: " + quote(t) + " is not a Crypto Express generation; use one of " + GENERATIONS);
                    }
                }
                if (!f.containsKey("mode")) {
                    problems.add(path + ".mode: missing; add mode: one of " + MODES + " (or type: CEX8C for both)");
                } else {
                    String t = scalarText(f.get("mode"), path + ".mode");
                    mode = t == null ? null : mode(t.strip());
                    if (t != null && mode == null) {
                        problems.add(path + ".mode: " + quote(t) + " is not a card mode; use one of " + MODES);
                    }
                }
            }
            int functions = functions(f.get("functions"), path + ".functions", mode);
            int depth = integer(m, path, "depth", MachineProfile.DEFAULT_DEPTH, 0, 255,
                    "the TAPQ queue depth field is 0..255 (default 8)");
            if (ids == null || gen == null || mode == null) {
                return;
            }
            int fn = functions != 0 ? functions : Card.realisticFunctions(mode, apxa);
            for (int id : ids.idList()) {
                out.add(new Card(id, gen, mode, fn, depth));
                cardPaths.add(idPath);
            }
        }

        private int functions(Node n, String path, Mode mode) {
            if (n == null || n instanceof Scalar s && s.text() == null) {
                return 0;
            }
            String t = scalarText(n, path);
            if (t == null) {
                return 0;
            }
            String v = t.strip();
            Long word = parseNumber(v);
            if (word == null) {
                word = letters(v);
            }
            if (word == null || word < 0 || word > 0xffffffffL) {
                problems.add(path + ": " + quote(t) + " is not an ap_functions value; write a 32-bit hex word like 0xf2800000, "
                        + "lszcrypt letters by position like \"S--D--N--\" (S M C D A X N H F R), or leave it out to derive it from the mode");
                return 0;
            }
            int fn = (int) (long) word;
            if (fn == 0 || mode == null) {
                return fn;
            }
            int modeBits = fn & Card.MODE_BITS;
            if (modeBits != mode.functionBit()) {
                String has = modeBits == 0 ? "has no mode bit (D, A or X)"
                        : Integer.bitCount(modeBits) > 1 ? "sets more than one mode bit (" + modeLetters(modeBits) + ")"
                        : "sets mode bit " + modeLetters(modeBits);
                problems.add(path + ": " + t.strip() + " " + has + " but mode is " + mode.yamlName() + "; set bit "
                        + modeLetters(mode.functionBit()) + String.format(" (0x%08x)", mode.functionBit())
                        + " instead, or leave functions out to derive it from the mode");
            }
            return fn;
        }

        private HostConfig hostConfig(Node n, List<Card> cards) {
            if (n == null) {
                problems.add("hostConfig: missing; add hostConfig: with usageDomains (and optionally adapters, controlDomains)");
                return null;
            }
            MapNode m = map(n, "hostConfig", HOST_FIELDS);
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
                    ? (cards == null ? null : ApMask.of(cards.stream().map(Card::id).toList()))
                    : idSet(f.get("adapters"), "hostConfig.adapters");
            ApMask usage = null;
            if (isAbsent(f.get("usageDomains"))) {
                problems.add("hostConfig.usageDomains: missing; list the usage domains this LPAR may use, e.g. usageDomains: \"0-15\"");
            } else {
                usage = idSet(f.get("usageDomains"), "hostConfig.usageDomains");
            }
            ApMask control = isAbsent(f.get("controlDomains")) ? usage : idSet(f.get("controlDomains"), "hostConfig.controlDomains");
            if (adapters == null || usage == null || control == null) {
                return null;
            }
            return new HostConfig(adapters, usage, control);
        }

        private InitialState initial(Node n) {
            if (isAbsent(n)) {
                return InitialState.defaults();
            }
            MapNode m = map(n, "initial", INITIAL_FIELDS);
            if (m == null) {
                return null;
            }
            Map<String, Node> f = m.fields();
            ApMask apmask = mask(f.get("apmask"), "initial.apmask");
            ApMask aqmask = mask(f.get("aqmask"), "initial.aqmask");
            Boolean vfio = bool(f.get("vfioApLoaded"), "initial.vfioApLoaded", false);
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
            MapNode m = map(n, path, MDEV_FIELDS);
            if (m == null) {
                return null;
            }
            Map<String, Node> f = m.fields();
            String uuid = null;
            if (isAbsent(f.get("uuid"))) {
                problems.add(path + ".uuid: missing; add uuid: with the mdev's UUID, " + UUID_FIX.substring("write ".length()));
            } else {
                String t = scalarText(f.get("uuid"), path + ".uuid");
                if (t != null && !UUID.matcher(t.strip()).matches()) {
                    problems.add(path + ".uuid: " + quote(t) + " is not a UUID; " + UUID_FIX);
                } else if (t != null) {
                    uuid = t.strip().toLowerCase(Locale.ROOT);
                }
            }
            ApMask a = isAbsent(f.get("adapters")) ? ApMask.none() : idSet(f.get("adapters"), path + ".adapters");
            ApMask d = isAbsent(f.get("domains")) ? ApMask.none() : idSet(f.get("domains"), path + ".domains");
            ApMask c = isAbsent(f.get("controlDomains")) ? ApMask.none() : idSet(f.get("controlDomains"), path + ".controlDomains");
            if (uuid == null || a == null || d == null || c == null) {
                return null;
            }
            return new Mdev(uuid, a, d, c);
        }

        // ---------------------------------------------------------------- field helpers

        /** A mapping with only known fields, or null (problem recorded). */
        private MapNode map(Node n, String path, List<String> known) {
            if (!(n instanceof MapNode m)) {
                problems.add(label(path) + ": expected a mapping with the fields " + String.join(", ", known)
                        + ", found " + describe(n));
                return null;
            }
            for (String field : m.fields().keySet()) {
                if (!known.contains(field)) {
                    String guess = closest(field, known);
                    problems.add(join(path, field) + ": unknown field; "
                            + (guess != null ? "did you mean " + guess + "? " : "remove it or use one of ")
                            + (guess != null ? "Known fields here: " : "") + String.join(", ", known));
                }
            }
            return m;
        }

        private String text(MapNode m, String field, String def) {
            Node n = m.fields().get(field);
            if (isAbsent(n)) {
                return def;
            }
            return scalarText(n, field);
        }

        private String scalarText(Node n, String path) {
            if (n instanceof Scalar s && s.text() != null) {
                return s.text();
            }
            problems.add(path + ": expected a single value, found " + describe(n));
            return null;
        }

        private int integer(MapNode m, String parent, String field, int def, int min, int max, String fix) {
            Node n = m.fields().get(field);
            if (isAbsent(n)) {
                return def;
            }
            Integer v = number(n, join(parent, field), min, max, fix);
            return v == null ? def : v;
        }

        private Integer number(Node n, String path, int min, int max, String fix) {
            String t = scalarText(n, path);
            if (t == null) {
                return null;
            }
            Long v = parseNumber(t.strip());
            if (v == null) {
                problems.add(path + ": " + quote(t) + " is not a number; write a decimal number or 0x followed by hex digits");
                return null;
            }
            if (v < min || v > max) {
                problems.add(path + ": " + t.strip() + " is out of range; " + fix);
                return null;
            }
            return v.intValue();
        }

        private Boolean bool(Node n, String path, boolean def) {
            if (isAbsent(n)) {
                return def;
            }
            String t = scalarText(n, path);
            if (t == null) {
                return null;
            }
            switch (t.strip().toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on" -> {
                    return true;
                }
                case "false", "no", "off" -> {
                    return false;
                }
                default -> {
                    problems.add(path + ": " + quote(t) + " is not a boolean; write true or false");
                    return null;
                }
            }
        }

        /** An id set: number, "a-b,c" string, or list of those. Null on error (problem recorded). */
        private ApMask idSet(Node n, String path) {
            if (isAbsent(n)) {
                return ApMask.none();
            }
            if (n instanceof SeqNode seq) {
                ApMask acc = ApMask.none();
                boolean ok = true;
                for (int i = 0; i < seq.items().size(); i++) {
                    ApMask one = idSet(seq.items().get(i), path + "[" + i + "]");
                    if (one == null) {
                        ok = false;
                    } else {
                        acc = acc.or(one);
                    }
                }
                return ok ? acc : null;
            }
            if (n instanceof MapNode) {
                problems.add(path + ": expected ids, found a mapping; " + ID_SYNTAX);
                return null;
            }
            String t = ((Scalar) n).text();
            try {
                return parseIds(t);
            } catch (IllegalArgumentException e) {
                problems.add(path + ": " + quote(t) + " is not an id list: " + e.getMessage() + "; " + ID_SYNTAX);
                return null;
            }
        }

        private ApMask mask(Node n, String path) {
            if (isAbsent(n)) {
                return ApMask.all();
            }
            if (n instanceof Scalar s) {
                String t = s.text().strip();
                if (t.startsWith("+") || t.startsWith("-")) {
                    try {
                        return ApMask.parseRelative(t, ApMask.all());
                    } catch (ApSyntaxException e) {
                        problems.add(path + ": " + e.getMessage() + " (applied to the all-ones default)");
                        return null;
                    }
                }
                if (HEX_MASK.matcher(t).matches()) {
                    try {
                        return ApMask.parseAbsolute(t);
                    } catch (ApSyntaxException e) {
                        problems.add(path + ": " + e.getMessage());
                        return null;
                    }
                }
            }
            return idSet(n, path);
        }

        // ---------------------------------------------------------------- small parsers

        private static Generation generation(String t) {
            for (Generation g : Generation.values()) {
                if (g.name().equalsIgnoreCase(t)) {
                    return g;
                }
            }
            return null;
        }

        private static Mode mode(String t) {
            for (Mode m : Mode.values()) {
                if (m.yamlName().equalsIgnoreCase(t) || m.name().equalsIgnoreCase(t)) {
                    return m;
                }
            }
            return "accel".equalsIgnoreCase(t) ? Mode.ACCELERATOR : null;
        }

        private static Mode modeBySuffix(String suffix) {
            for (Mode m : Mode.values()) {
                if (suffix.length() == 1 && Character.toUpperCase(suffix.charAt(0)) == m.typeSuffix()) {
                    return m;
                }
            }
            return null;
        }

        private static Long letters(String v) {
            if (v.isEmpty() || v.length() > Card.FUNCTION_LETTERS.length()) {
                return null;
            }
            long word = 0;
            for (int i = 0; i < v.length(); i++) {
                char c = Character.toUpperCase(v.charAt(i));
                if (c == Card.FUNCTION_LETTERS.charAt(i)) {
                    word |= 0x80000000L >>> i;
                } else if (c != '-') {
                    return null;
                }
            }
            return word;
        }

        private static String modeLetters(int bits) {
            StringBuilder sb = new StringBuilder();
            for (int bit = 3; bit <= 5; bit++) {
                if ((bits & (0x80000000 >>> bit)) != 0) {
                    sb.append(sb.length() > 0 ? ", " : "").append(Card.FUNCTION_LETTERS.charAt(bit));
                }
            }
            return sb.toString();
        }

        private static boolean isAbsent(Node n) {
            return n == null || n instanceof Scalar s && s.text() == null;
        }

        private static String describe(Node n) {
            if (n instanceof MapNode) {
                return "a mapping";
            }
            if (n instanceof SeqNode) {
                return "a list";
            }
            return n == null || ((Scalar) n).text() == null ? "nothing" : quote(((Scalar) n).text());
        }

        private static String closest(String field, List<String> known) {
            String best = null;
            int bestDistance = Integer.MAX_VALUE;
            for (String k : known) {
                int d = k.equalsIgnoreCase(field) ? 0 : distance(k.toLowerCase(Locale.ROOT), field.toLowerCase(Locale.ROOT));
                if (d < bestDistance) {
                    bestDistance = d;
                    best = k;
                }
            }
            return bestDistance <= Math.max(1, Math.min(3, field.length() / 3)) ? best : null;
        }

        private static int distance(String a, String b) {
            int[] prev = new int[b.length() + 1];
            int[] cur = new int[b.length() + 1];
            for (int j = 0; j <= b.length(); j++) {
                prev[j] = j;
            }
            for (int i = 1; i <= a.length(); i++) {
                cur[0] = i;
                for (int j = 1; j <= b.length(); j++) {
                    int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                    cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
                }
                int[] t = prev;
                prev = cur;
                cur = t;
            }
            return prev[b.length()];
        }
    }

    // ------------------------------------------------------------------------------------ id syntax

    /**
     * Parses the profile id-list syntax: ids and inclusive ranges separated by commas, each number
     * decimal or {@code 0x} hex (a leading 0 is decimal), e.g. {@code "0-15,32"} or {@code "0x03-0x06"};
     * blank = empty. Throws {@link IllegalArgumentException} saying what is wrong.
     */
    public static ApMask parseIds(String text) {
        ApMask acc = ApMask.none();
        if (text == null || text.isBlank()) {
            return acc;
        }
        for (String raw : text.split(",", -1)) {
            String item = raw.strip();
            if (item.isEmpty()) {
                throw new IllegalArgumentException("an empty item between commas");
            }
            int dash = item.indexOf('-', 1);
            String first = dash < 0 ? item : item.substring(0, dash).strip();
            String last = dash < 0 ? item : item.substring(dash + 1).strip();
            int from = id(first);
            int to = id(last);
            if (from > to) {
                throw new IllegalArgumentException("range " + item + " starts above its end");
            }
            acc = acc.or(ApMask.fromRange(from, to));
        }
        return acc;
    }

    private static int id(String s) {
        Long v = parseNumber(s);
        if (v == null) {
            throw new IllegalArgumentException(quote(s) + " is not a number");
        }
        if (v > ApMask.MAX_ID) {
            throw new IllegalArgumentException(s + " is above 255, the largest AP number");
        }
        return v.intValue();
    }

    /** Decimal digits or 0x/0X + hex digits (underscores allowed as in YAML); null if not a number or too long. */
    private static Long parseNumber(String s) {
        String t = s.replace("_", "");
        boolean hex = t.length() > 2 && (t.startsWith("0x") || t.startsWith("0X"));
        String digits = hex ? t.substring(2) : t;
        if (digits.isEmpty() || digits.length() > (hex ? 8 : 10) || !digits.chars().allMatch(c -> Character.digit(c, hex ? 16 : 10) >= 0)) {
            return null;
        }
        return Long.parseLong(digits, hex ? 16 : 10);
    }

    // ------------------------------------------------------------------------------------ misc

    private static String readResource(String resource) {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        InputStream in = cl == null ? null : cl.getResourceAsStream(resource);
        if (in == null) {
            in = MachineProfiles.class.getClassLoader().getResourceAsStream(resource);
        }
        if (in == null) {
            return null;
        }
        try (InputStream s = in) {
            return new String(s.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String stem(String fileName) {
        return fileName.endsWith(".yaml") ? fileName.substring(0, fileName.length() - 5)
                : fileName.endsWith(".yml") ? fileName.substring(0, fileName.length() - 4) : fileName;
    }

    private static String join(String parent, String field) {
        return parent.isEmpty() ? field : parent + "." + field;
    }

    private static String label(String path) {
        return path.isEmpty() ? "(top level)" : path;
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
