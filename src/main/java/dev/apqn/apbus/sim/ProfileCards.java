package dev.apqn.apbus.sim;

import dev.apqn.ap.ApMask;
import dev.apqn.apbus.sim.MachineProfile.Card;
import dev.apqn.apbus.sim.MachineProfile.Generation;
import dev.apqn.apbus.sim.MachineProfile.Mode;
import dev.apqn.apbus.sim.ProfileYaml.MapNode;
import dev.apqn.apbus.sim.ProfileYaml.Node;
import dev.apqn.apbus.sim.ProfileYaml.Scalar;
import dev.apqn.apbus.sim.ProfileYaml.SeqNode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static dev.apqn.apbus.sim.ProfileText.quote;

/**
 * Reads the profile's {@code cards:} list into {@link Card}s: {@code id} or {@code ids} (one entry
 * can stand for several identical cards), {@code type} or {@code generation} + {@code mode},
 * {@code functions} and {@code depth}. Remembers the YAML path of each expanded card so that the
 * cross-field rules can point at the entry that defined it.
 */
final class ProfileCards {

    private static final List<String> CARD_FIELDS = List.of("id", "ids", "type", "generation", "mode", "functions", "depth");
    private static final Pattern TYPE = Pattern.compile("CEX([0-9]+)([A-Z]?)", Pattern.CASE_INSENSITIVE);
    private static final String GENERATIONS = Arrays.stream(Generation.values()).map(Enum::name).collect(Collectors.joining(", "));
    private static final String MODES = Arrays.stream(Mode.values()).map(Mode::yamlName).collect(Collectors.joining(", "));

    private final ProfileFields fields;
    private final List<String> problems;
    /** YAML path of each expanded card, by index in the record's card list. */
    private final List<String> cardPaths = new ArrayList<>();

    ProfileCards(ProfileFields fields) {
        this.fields = fields;
        this.problems = fields.problems;
    }

    /** The YAML path of the entry that defined card {@code i} of the list returned by {@link #cards}. */
    String cardPath(int i) {
        return cardPaths.get(i);
    }

    /** The cards, or null if {@code cards:} is missing or not a list (problem recorded). */
    List<Card> cards(Node n, boolean apxa) {
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
        MapNode m = fields.map(n, path, CARD_FIELDS);
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
            Integer id = fields.number(f.get("id"), idPath, 0, 255, "AP adapter numbers are 0..255");
            ids = id == null ? null : ApMask.of(id);
        } else if (f.containsKey("ids")) {
            idPath = path + ".ids";
            ids = fields.idSet(f.get("ids"), idPath);
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
                String t = fields.scalarText(f.get("type"), path + ".type");
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
                String t = fields.scalarText(f.get("generation"), path + ".generation");
                gen = t == null ? null : generation(t.strip());
                if (t != null && gen == null) {
                    problems.add(path + ".generation: " + quote(t) + " is not a Crypto Express generation; use one of " + GENERATIONS);
                }
            }
            if (!f.containsKey("mode")) {
                problems.add(path + ".mode: missing; add mode: one of " + MODES + " (or type: CEX8C for both)");
            } else {
                String t = fields.scalarText(f.get("mode"), path + ".mode");
                mode = t == null ? null : mode(t.strip());
                if (t != null && mode == null) {
                    problems.add(path + ".mode: " + quote(t) + " is not a card mode; use one of " + MODES);
                }
            }
        }
        int functions = functions(f.get("functions"), path + ".functions", mode);
        int depth = fields.integer(m, path, "depth", MachineProfile.DEFAULT_DEPTH, 0, 255,
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

    /** The {@code ap_functions} word, 0 when absent or invalid (then derived from the mode). */
    private int functions(Node n, String path, Mode mode) {
        if (n == null || n instanceof Scalar s && s.text() == null) {
            return 0;
        }
        String t = fields.scalarText(n, path);
        if (t == null) {
            return 0;
        }
        String v = t.strip();
        Long word = ProfileIdSets.parseNumber(v);
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

    /** lszcrypt letters by position ("S--D--N--") as an ap_functions word; null if not that syntax. */
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

    /** The letters of the mode bits (3..5) set in {@code bits}, e.g. "D, X". */
    private static String modeLetters(int bits) {
        StringBuilder sb = new StringBuilder();
        for (int bit = 3; bit <= 5; bit++) {
            if ((bits & (0x80000000 >>> bit)) != 0) {
                sb.append(sb.length() > 0 ? ", " : "").append(Card.FUNCTION_LETTERS.charAt(bit));
            }
        }
        return sb.toString();
    }
}
