package dev.apqn.ap;

import java.util.Comparator;
import java.util.regex.Pattern;

/**
 * One AP queue: adapter (APID) × usage domain (APQI). Its canonical text is the kernel's queue
 * device name {@code %02x.%04x} in lower-case hex, e.g. {@code 05.0004}.
 */
public record Apqn(int adapter, int domain) implements Comparable<Apqn> {

    private static final Pattern CANONICAL = Pattern.compile("[0-9a-f]{2}\\.[0-9a-f]{4}");
    private static final Comparator<Apqn> ORDER = Comparator.comparingInt(Apqn::adapter).thenComparingInt(Apqn::domain);

    public Apqn {
        checkId("adapter", adapter);
        checkId("domain", domain);
    }

    public static Apqn of(int adapter, int domain) {
        return new Apqn(adapter, domain);
    }

    /** Parses the canonical form only; anything else is rejected with the expected form shown. */
    public static Apqn parse(String text) {
        if (text == null || !CANONICAL.matcher(text).matches()) {
            throw new ApSyntaxException("invalid APQN " + (text == null ? "null" : KernelNumbers.quoted(text))
                    + ": expected <adapter>.<domain> as lower-case hex %02x.%04x, e.g. \"05.0004\" for adapter 5, domain 4");
        }
        int adapter = Integer.parseInt(text.substring(0, 2), 16);
        int domain = Integer.parseInt(text.substring(3), 16);
        if (domain > ApMask.MAX_ID) {
            throw new ApSyntaxException("invalid APQN \"" + text + "\": domain 0x" + text.substring(3)
                    + " is above 0x00ff, the largest AP domain number");
        }
        return new Apqn(adapter, domain);
    }

    /** The queue device name, e.g. {@code 05.0004}. */
    @Override
    public String toString() {
        // built by hand: every sysfs path of a queue goes through here (String.format was a visible share of a converge's CPU)
        return new String(new char[] {hex(adapter >> 4), hex(adapter), '.', '0', '0', hex(domain >> 4), hex(domain)});
    }

    /** The card device name of the adapter, e.g. {@code card05}. */
    public String cardName() {
        return cardName(adapter);
    }

    /** The card device name of an adapter number (0–255), e.g. {@code card05}. */
    public static String cardName(int adapter) {
        checkId("adapter", adapter);
        return new String(new char[] {'c', 'a', 'r', 'd', hex(adapter >> 4), hex(adapter)});
    }

    /** The lower-case hex digit of the low four bits. */
    private static char hex(int v) {
        return Character.forDigit(v & 0xf, 16);
    }

    @Override
    public int compareTo(Apqn other) {
        return ORDER.compare(this, other);
    }

    public static void checkId(String what, int id) {
        if (id < 0 || id > ApMask.MAX_ID) {
            throw new ApSyntaxException(what + " " + id + " is out of range: AP " + what + " numbers are 0..255");
        }
    }
}
