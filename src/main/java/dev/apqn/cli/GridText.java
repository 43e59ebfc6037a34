package dev.apqn.cli;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code kubectl apqn grid}: a {@link NodeGrid} as text. Adapters are columns (two hex digits read
 * downwards, as sysfs names cards), domains are rows (four hex digits, as in APQN 05.0004); groups of 8
 * columns are separated by a space. A grid wider than the terminal folds into blocks of adapter columns,
 * each with its own header, so a 256-adapter node reads as four blocks of 64 in 80 columns.
 */
public final class GridText {

    static final int GROUP = 8;
    private static final String ROW_LABEL = "  %04x  ";
    private static final int LABEL_WIDTH = 8;
    /** Grids with more domain rows than this (a screenful) show runs of identical rows once. */
    static final int TALL = 32;

    private GridText() {
    }

    /** Adapter columns per block so that a row fits {@code width} characters (at least one group). */
    static int columnsPerBlock(int width) {
        int groups = Math.max(1, (width - LABEL_WIDTH + 1) / (GROUP + 1));
        return groups * GROUP;
    }

    public static List<String> render(NodeGrid g, int width) {
        List<String> out = new ArrayList<>();
        out.addAll(headline(g));
        if (g.adapters().isEmpty()) {
            out.add("");
            out.add("The node's agent has not reported any AP card yet (no status.cards in APNodeState " + g.node() + ").");
            return out;
        }
        int per = columnsPerBlock(width);
        List<List<Integer>> blocks = new ArrayList<>();
        for (int i = 0; i < g.adapters().size(); i += per) {
            blocks.add(g.adapters().subList(i, Math.min(g.adapters().size(), i + per)));
        }
        for (int b = 0; b < blocks.size(); b++) {
            List<Integer> cols = blocks.get(b);
            out.add("");
            String which = String.format("adapters %02x-%02x", cols.get(0), cols.get(cols.size() - 1));
            out.add(blocks.size() == 1 ? which : which + String.format("  (block %d of %d)", b + 1, blocks.size()));
            out.add(pad("adapter") + digits(cols, 4));
            out.add(pad("") + digits(cols, 0));
            out.add("domain");
            List<Integer> domains = g.domains();
            for (int i = 0; i < domains.size(); ) {
                String cells = cells(g, cols, domains.get(i));
                int j = i;
                while (j + 1 < domains.size() && cells(g, cols, domains.get(j + 1)).equals(cells)) {
                    j++;
                }
                out.add((String.format(ROW_LABEL, domains.get(i)) + cells).stripTrailing());
                if (domains.size() > TALL && j - i >= 2) {
                    // a tall grid says "the same" for runs of identical rows instead of repeating them
                    out.add(pad("") + String.format("(%04x-%04x the same)", domains.get(i + 1), domains.get(j)));
                    i = j + 1;
                } else {
                    i++;
                }
            }
        }
        out.add("");
        out.addAll(legend(g));
        return out;
    }

    private static List<String> headline(NodeGrid g) {
        var s = new StringBuilder("node ").append(g.node());
        s.append(": ").append(g.mode() == null ? "mode not reported" : g.mode() + " mode");
        s.append(", ").append(g.adapters().size()).append(" adapters x ").append(g.domains().size()).append(" domains");
        List<String> out = new ArrayList<>(List.of(s.toString()));
        var counts = new ArrayList<String>();
        if (g.freeApqns() != null) {
            counts.add(g.freeApqns() + " APQNs with the host");
        }
        if (g.reservedApqns() != null) {
            counts.add(g.reservedApqns() + " reserved");
        }
        if (g.generation() != null) {
            counts.add("inventory generation " + g.generation());
        }
        if (!counts.isEmpty()) {
            out.add(String.join(", ", counts));
        }
        return out;
    }

    private static String pad(String label) {
        return String.format("%-" + LABEL_WIDTH + "s", label);
    }

    /** One row's characters: the holders of {@code domain} on the block's adapters, a space every 8. */
    private static String cells(NodeGrid g, List<Integer> cols, int domain) {
        var row = new StringBuilder();
        for (int i = 0; i < cols.size(); i++) {
            if (i > 0 && i % GROUP == 0) {
                row.append(' ');
            }
            row.append(g.symbolAt(cols.get(i), domain));
        }
        return row.toString();
    }

    /** One header line: the hex digit at {@code shift} (4: high, 0: low) of every adapter column. */
    private static String digits(List<Integer> cols, int shift) {
        var s = new StringBuilder();
        for (int i = 0; i < cols.size(); i++) {
            if (i > 0 && i % GROUP == 0) {
                s.append(' ');
            }
            s.append(Character.forDigit((cols.get(i) >> shift) & 0xf, 16));
        }
        return s.toString();
    }

    /** The symbols the grid shows, then one line per reservation on the node. */
    static List<String> legend(NodeGrid g) {
        Set<Holder> shown = EnumSet.noneOf(Holder.class);
        g.cells().values().forEach(c -> shown.add(c.holder()));
        List<String> out = new ArrayList<>();
        out.add("legend:");
        for (Holder h : Holder.values()) {
            if (!shown.contains(h) || h.lettered()) {
                continue;
            }
            out.add(String.format("  %c  %s%s", h.symbol(), h.meaning(), whose(g, h)));
        }
        if (g.owners().stream().anyMatch(o -> o.letter() != 0)) {
            out.add("  A  reserved by the reservation of that letter below;  a  its collateral");
        }
        if (g.adapters().size() * g.domains().size() > g.cells().size()) {
            out.add("     (blank) no queue device");
        }
        if (!g.owners().isEmpty()) {
            out.add("reservations on " + g.node() + ":");
            int width = g.owners().stream().mapToInt(o -> o.reservation().length()).max().orElse(0);
            int phaseWidth = g.owners().stream().mapToInt(o -> phase(o).length()).max().orElse(0);
            for (var o : g.owners()) {
                out.add(String.format("  %s  %-" + width + "s  %-" + phaseWidth + "s  %s",
                        o.letter() == 0 ? " " : String.valueOf(o.letter()), o.reservation(), phase(o), holds(o)).stripTrailing());
            }
        }
        return out;
    }

    private static String phase(NodeGrid.Owner o) {
        return o.phase() != null ? o.phase().toString() : o.letter() == 0 && o.kept() > 0 ? "deleted" : "-";
    }

    /** "2 reserved, 6 collateral (b)", "1 kept off the host (K)", "holds nothing here". */
    private static String holds(NodeGrid.Owner o) {
        var parts = new ArrayList<String>();
        if (o.reserved() > 0) {
            parts.add(o.reserved() + " reserved");
        }
        if (o.collateral() > 0) {
            char c = o.letter() == NodeGrid.MORE ? NodeGrid.MORE_COLLATERAL : Character.toLowerCase(o.letter());
            parts.add(o.collateral() + " collateral (" + c + ")");
        }
        if (o.kept() > 0) {
            parts.add(o.kept() + " kept off the host (" + Holder.KEPT.symbol() + ")");
        }
        return parts.isEmpty() ? "holds nothing here" : String.join(", ", parts);
    }

    /** For holders with an owner (policy, kept reservation, foreign mdev): whose they are. */
    private static String whose(NodeGrid g, Holder h) {
        if (h != Holder.HOST_KEPT && h != Holder.KEPT && h != Holder.ADMIN && h != Holder.FOREIGN_MDEV) {
            return "";
        }
        Set<String> owners = new TreeSet<>();
        g.cells().values().stream().filter(c -> c.holder() == h && c.owner() != null).forEach(c -> owners.add(c.owner()));
        return owners.isEmpty() ? "" : ": " + String.join(", ", new LinkedHashSet<>(owners));
    }
}
