package dev.apqn.apbus.tools;

import dev.apqn.apbus.ApCard;
import dev.apqn.apbus.Sysfs;
import dev.apqn.apbus.SysfsException;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A faithful re-implementation of s390-tools' {@code lszcrypt -V} table (ap-bus.md §8.1) over any
 * {@link Sysfs}: the simulated kernel's, a real {@code /sys}, or an exported tree. Like lszcrypt it
 * reads only sysfs, so it doubles as an oracle: if this prints the right thing, the tree is
 * plausible. Only the verbose table is implemented (no filters, no {@code -b/-d/-s/-c}).
 */
public final class Lszcrypt {

    private static final String DEVICES = "/sys/devices/ap";

    private final Sysfs sysfs;

    public Lszcrypt(Sysfs sysfs) {
        this.sysfs = sysfs;
    }

    /** The {@code lszcrypt -V} table: header, dashes, one row per card followed by its queues. */
    public String verbose() throws SysfsException {
        return verbose(-1);
    }

    /** {@code lszcrypt -V NN}: only the given adapter's card and queues ({@code -1} = all). */
    public String verbose(int adapter) throws SysfsException {
        List<String[]> rows = new ArrayList<>();
        for (String card : sysfs.list(DEVICES)) {
            if (!card.matches("card[0-9a-f]{2}")
                    || (adapter >= 0 && Integer.parseInt(card.substring(4), 16) != adapter)) {
                continue;
            }
            String cardDir = DEVICES + "/" + card;
            rows.add(cardRow(cardDir, card.substring(4)));
            for (String queue : sysfs.list(cardDir)) {
                if (queue.matches("[0-9a-f]{2}\\.[0-9a-f]{4}")) {
                    rows.add(queueRow(cardDir, cardDir + "/" + queue, queue));
                }
            }
        }
        return format(rows);
    }

    private String[] cardRow(String cardDir, String id) throws SysfsException {
        boolean configured = !"0".equals(attr(cardDir, "config").orElse("1"));
        String pending = configured ? String.valueOf(intAttr(cardDir, "pendingq_count") + intAttr(cardDir, "requestq_count")) : "-";
        return row(cardDir, cardDir, id, pending);
    }

    private String[] queueRow(String cardDir, String queueDir, String name) throws SysfsException {
        boolean cardConfigured = !"0".equals(attr(cardDir, "config").orElse("1"));
        String driver = driverName(queueDir);
        String pending = !cardConfigured || !driver.startsWith("cex")
                ? "-" : String.valueOf(intAttr(queueDir, "pendingq_count") + intAttr(queueDir, "requestq_count"));
        return row(cardDir, queueDir, name, pending);
    }

    private String[] row(String cardDir, String dev, String name, String pending) throws SysfsException {
        int functions = (int) Long.parseLong(attr(cardDir, "ap_functions").orElse("0x0").substring(2), 16);
        boolean configured = !"0".equals(attr(dev, "config").orElse("1"));
        String status;
        if (!configured) {
            status = "deconfig";
        } else if (!"0".equals(attr(dev, "chkstop").orElse("0"))) {
            status = "chkstop";
        } else if (attr(dev, "online").isPresent()) {
            status = "1".equals(attr(dev, "online").get()) ? "online" : "offline";
        } else {
            status = attr(dev, "status").orElse("-");
        }
        String requests = configured ? attr(dev, "request_count").orElse("-") : "-";
        String depth = attr(cardDir, "depth").map(d -> String.format("%02d", Integer.parseInt(d))).orElse("-");
        return new String[]{
                name,
                attr(cardDir, "type").orElse("-"),
                ApCard.Mode.ofFunctions(functions).lszcryptName(),
                status,
                requests,
                pending,
                attr(cardDir, "hwtype").orElse("-"),
                depth,
                ApCard.functionLetters(functions),
                driverName(dev),
        };
    }

    private String driverName(String dev) throws SysfsException {
        Optional<String> link = sysfs.readLink(dev + "/driver");
        return link.map(l -> l.substring(l.lastIndexOf('/') + 1)).orElse("-no-driver-");
    }

    private Optional<String> attr(String dir, String name) throws SysfsException {
        String path = dir + "/" + name;
        if (!sysfs.exists(path)) {
            return Optional.empty();
        }
        try {
            return Optional.of(sysfs.read(path).strip());
        } catch (SysfsException e) {
            return Optional.empty(); // lszcrypt prints '-' for unreadable attributes
        }
    }

    private int intAttr(String dir, String name) throws SysfsException {
        return attr(dir, name).map(Integer::parseInt).orElse(0);
    }

    /** util_rec's wide format: widths and alignment of ap-bus.md §8.1, one space between columns. */
    private static String format(List<String[]> rows) {
        String[] header = {"CARD.DOM", "TYPE", "MODE", "STATUS", "REQUESTS", "PENDING", "HWTYPE", "QDEPTH", "FUNCTIONS", "DRIVER"};
        int[] widths = {8, 5, 11, 10, 8, 8, 6, 6, 10, 11};
        boolean[] right = {false, false, false, false, true, true, true, true, false, false};
        StringBuilder sb = new StringBuilder();
        appendRow(sb, header, widths, right);
        int total = widths.length - 1;
        for (int w : widths) {
            total += w;
        }
        sb.append("-".repeat(total)).append('\n');
        for (String[] r : rows) {
            appendRow(sb, r, widths, right);
        }
        return sb.toString();
    }

    private static void appendRow(StringBuilder sb, String[] cells, int[] widths, boolean[] right) {
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            String fmt = "%" + (right[i] ? "" : "-") + widths[i] + "s";
            sb.append(String.format(fmt, cells[i]));
        }
        sb.append('\n');
    }
}
