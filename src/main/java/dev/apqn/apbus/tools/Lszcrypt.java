package dev.apqn.apbus.tools;

import dev.apqn.ap.ApCard;
import dev.apqn.apbus.Sysfs;
import dev.apqn.apbus.SysfsException;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A faithful re-implementation of s390-tools' {@code lszcrypt -V} table (ap-bus.md §8.1) over any
 * {@link Sysfs}: the simulated kernel's, a real {@code /sys}, or an exported tree. Like lszcrypt it
 * reads only sysfs, so it doubles as an oracle: if this prints the right thing, the tree is
 * plausible. Only the verbose table is implemented (no type filters, no {@code -b/-d/-s/-c}); as in
 * the tool, the full listing ends with the default-domain warning when {@code ap_domain} is not an
 * available usage domain, and the {@code SESTAT} column appears when the bus features include APSB.
 */
public final class Lszcrypt {

    private static final String BUS = "/sys/bus/ap";
    private static final String DEVICES = "/sys/devices/ap";
    /** lszcrypt's read_driver: zcrypt drivers (PENDING is shown) and vfio_ap; any other name is "-no-driver-". */
    private static final Pattern ZCRYPT_DRIVER = Pattern.compile("cex[0-9](card|queue)");
    private static final Pattern VFIO_DRIVER = Pattern.compile("vfio.ap");
    private static final String NO_DRIVER = "-no-driver-";

    private final Sysfs sysfs;

    public Lszcrypt(Sysfs sysfs) {
        this.sysfs = sysfs;
    }

    /** {@code lszcrypt -V}: header, dashes, one row per card followed by its queues, then the default-domain warning if any. */
    public String verbose() throws SysfsException {
        return table(-1) + defaultDomainWarning();
    }

    /** {@code lszcrypt -V NN}: only the given adapter's card and queues (no default-domain warning, as in the tool). */
    public String verbose(int adapter) throws SysfsException {
        return table(adapter);
    }

    private String table(int adapter) throws SysfsException {
        boolean sestat = attr(BUS, "features").map(f -> f.contains("APSB")).orElse(false);
        List<String[]> rows = new ArrayList<>();
        for (String card : sysfs.list(DEVICES)) {
            if (!card.matches("card[0-9a-f]{2}")
                    || (adapter >= 0 && Integer.parseInt(card.substring(4), 16) != adapter)) {
                continue;
            }
            String cardDir = DEVICES + "/" + card;
            rows.add(cardRow(cardDir, card.substring(4), sestat));
            for (String queue : sysfs.list(cardDir)) {
                if (queue.matches("[0-9a-f]{2}\\.[0-9a-f]{4}")) {
                    rows.add(queueRow(cardDir, cardDir + "/" + queue, queue, sestat));
                }
            }
        }
        return format(rows, sestat);
    }

    /**
     * {@code Warning: Default domain 0x%02lx is not available.} when {@code ap_domain} is negative
     * (printed as the C long, so -1 is {@code 0xffffffffffffffff}) or its bit is not set in
     * {@code ap_usage_domain_mask} (also when that mask reads {@code not supported}).
     */
    private String defaultDomainWarning() throws SysfsException {
        long domain = attr(BUS, "ap_domain").flatMap(Lszcrypt::parseLong).orElse(-1L);
        String usable = attr(BUS, "ap_usage_domain_mask").orElse("");
        if (domain >= 0 && maskBit(usable, domain) > 0) {
            return "";
        }
        return String.format("Warning: Default domain 0x%02x is not available.\n", domain);
    }

    /** s390-tools' check_mask_bit: 1/0 for the MSB0 bit of a hex mask, -1 if the mask has no such digit. */
    static int maskBit(String mask, long bit) {
        String hex = mask.startsWith("0x") ? mask.substring(2) : mask;
        int digit = (int) (bit / 4);
        if (digit >= hex.length()) {
            return -1;
        }
        int v = Character.digit(hex.charAt(digit), 16);
        if (v < 0) {
            return -1;
        }
        return (v & (0x08 >> (bit % 4))) != 0 ? 1 : 0;
    }

    private String[] cardRow(String cardDir, String id, boolean sestat) throws SysfsException {
        long config = longAttr(cardDir, "config").orElse(-1L);
        String pending = config == 0 ? "-" : String.valueOf(intAttr(cardDir, "pendingq_count") + intAttr(cardDir, "requestq_count"));
        String status = zcryptStatus(cardDir).orElse("-");
        return row(cardDir, cardDir, id, status, pending, sestat ? "-" : null);
    }

    private String[] queueRow(String cardDir, String queueDir, String name, boolean sestat) throws SysfsException {
        boolean cardDeconfigured = longAttr(cardDir, "config").orElse(-1L) == 0;
        String pending = cardDeconfigured || driverKind(queueDir) != 1
                ? "-" : String.valueOf(intAttr(queueDir, "pendingq_count") + intAttr(queueDir, "requestq_count"));
        // no zcrypt online attribute: vfio_ap's status text (assigned, unassigned, in use), if any
        Optional<String> zcrypt = zcryptStatus(queueDir);
        String status = zcrypt.isPresent() ? zcrypt.get() : firstLine(queueDir, "status").orElse("-");
        return row(cardDir, queueDir, name, status, pending, sestat ? seStatus(queueDir) : null);
    }

    /** deconfig / chkstop / online / offline from config, chkstop and zcrypt's online; empty if none applies. */
    private Optional<String> zcryptStatus(String dev) throws SysfsException {
        if (longAttr(dev, "config").orElse(-1L) == 0) {
            return Optional.of("deconfig");
        }
        if (longAttr(dev, "chkstop").orElse(-1L) > 0) {
            return Optional.of("chkstop");
        }
        long online = longAttr(dev, "online").orElse(-1L);
        if (online > 0) {
            return Optional.of("online");
        }
        return online == 0 ? Optional.of("offline") : Optional.empty();
    }

    /** SESTAT of a queue: the SE bind state bits 0x0000C000 of its ap_functions; "invalid" for 0, "error" if unreadable. */
    private String seStatus(String queueDir) throws SysfsException {
        Optional<Long> functions = attr(queueDir, "ap_functions").flatMap(Lszcrypt::parseHex);
        if (functions.isEmpty()) {
            return "error";
        }
        if (functions.get() == 0) {
            return "invalid";
        }
        return switch ((int) ((functions.get() & 0x0000C000L) >> 14)) {
            case 0 -> "usable";
            case 1 -> "bound";
            case 2 -> "unbound";
            default -> "illicit";
        };
    }

    private String[] row(String cardDir, String dev, String name, String status, String pending, String sestat) throws SysfsException {
        int functions = attr(cardDir, "ap_functions").flatMap(Lszcrypt::parseHex).orElse(0L).intValue();
        boolean deconfigured = longAttr(dev, "config").orElse(-1L) == 0;
        String requests = deconfigured ? "-" : attr(dev, "request_count").orElse("-");
        String depth = longAttr(cardDir, "depth").map(d -> String.format("%02d", d)).orElse("-");
        List<String> cells = new ArrayList<>(List.of(
                name,
                attr(cardDir, "type").orElse("-"),
                ApCard.Mode.ofFunctions(functions).lszcryptName(),
                status,
                requests,
                pending,
                attr(cardDir, "hwtype").orElse("-"),
                depth,
                ApCard.functionLetters(functions),
                driverKind(dev) > 0 ? driverName(dev).orElseThrow() : NO_DRIVER));
        if (sestat != null) {
            cells.add(sestat);
        }
        return cells.toArray(String[]::new);
    }

    /** lszcrypt's read_driver: 1 for a cexN card/queue driver, 2 for vfio_ap, 0 for none or any other driver. */
    private int driverKind(String dev) throws SysfsException {
        Optional<String> name = driverName(dev);
        if (name.isEmpty()) {
            return 0;
        }
        if (ZCRYPT_DRIVER.matcher(name.get()).find()) {
            return 1;
        }
        return VFIO_DRIVER.matcher(name.get()).find() ? 2 : 0;
    }

    private Optional<String> driverName(String dev) throws SysfsException {
        return sysfs.readLink(dev + "/driver").map(l -> l.substring(l.lastIndexOf('/') + 1));
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

    private Optional<String> firstLine(String dir, String name) throws SysfsException {
        return attr(dir, name).map(v -> v.lines().findFirst().orElse(""));
    }

    private Optional<Long> longAttr(String dir, String name) throws SysfsException {
        return attr(dir, name).flatMap(Lszcrypt::parseLong);
    }

    private int intAttr(String dir, String name) throws SysfsException {
        return longAttr(dir, name).orElse(0L).intValue();
    }

    private static Optional<Long> parseLong(String s) {
        try {
            return Optional.of(Long.parseLong(s));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static Optional<Long> parseHex(String s) {
        try {
            return Optional.of(Long.parseLong(s.startsWith("0x") || s.startsWith("0X") ? s.substring(2) : s, 16));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** util_rec's wide format: widths and alignment of ap-bus.md §8.1, one space between columns. */
    private static String format(List<String[]> rows, boolean sestat) {
        List<String> header = new ArrayList<>(List.of("CARD.DOM", "TYPE", "MODE", "STATUS", "REQUESTS", "PENDING", "HWTYPE", "QDEPTH", "FUNCTIONS", "DRIVER"));
        List<Integer> widths = new ArrayList<>(List.of(8, 5, 11, 10, 8, 8, 6, 6, 10, 11));
        List<Boolean> right = new ArrayList<>(List.of(false, false, false, false, true, true, true, true, false, false));
        if (sestat) {
            header.add("SESTAT");
            widths.add(11);
            right.add(false);
        }
        StringBuilder sb = new StringBuilder();
        appendRow(sb, header.toArray(String[]::new), widths, right);
        int total = widths.size() - 1;
        for (int w : widths) {
            total += w;
        }
        sb.append("-".repeat(total)).append('\n');
        for (String[] r : rows) {
            appendRow(sb, r, widths, right);
        }
        return sb.toString();
    }

    private static void appendRow(StringBuilder sb, String[] cells, List<Integer> widths, List<Boolean> right) {
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            String fmt = "%" + (right.get(i) ? "" : "-") + widths.get(i) + "s";
            sb.append(String.format(fmt, cells[i]));
        }
        sb.append('\n');
    }
}
