package dev.apqn.ap;

import java.util.BitSet;
import java.util.Collection;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A 256-bit AP mask (apmask, aqmask, the QCI masks, an mdev's apm/aqm/adm) in the kernel's MSB0
 * order: bit 0 is the most significant bit of the first hex digit after {@code 0x}. Immutable.
 *
 * <p>Holds the kernel's exact read format and both write grammars of {@code apmask}/{@code aqmask}
 * (ap-bus.md §2.1), reproduced from {@code ap_parse_bitmap_str}, {@code hex2bitmap} and
 * {@code modify_bitmap}, quirks included.
 */
public final class ApMask {

    public static final int BITS = 256;
    public static final int MAX_ID = BITS - 1;
    private static final int HEX_DIGITS = BITS / 4;

    private static final ApMask NONE = new ApMask(new BitSet(BITS));
    private static final ApMask ALL = fromRange(0, MAX_ID);

    private final BitSet bits;

    private ApMask(BitSet bits) {
        this.bits = bits;
    }

    public static ApMask none() {
        return NONE;
    }

    public static ApMask all() {
        return ALL;
    }

    public static ApMask of(int... ids) {
        BitSet b = new BitSet(BITS);
        for (int id : ids) {
            Apqn.checkId("id", id);
            b.set(id);
        }
        return new ApMask(b);
    }

    public static ApMask of(Collection<Integer> ids) {
        return of(ids.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Bits {@code from..to} inclusive. */
    public static ApMask fromRange(int from, int to) {
        Apqn.checkId("id", from);
        Apqn.checkId("id", to);
        BitSet b = new BitSet(BITS);
        if (from <= to) {
            b.set(from, to + 1);
        }
        return new ApMask(b);
    }

    public boolean get(int id) {
        return id >= 0 && id < BITS && bits.get(id);
    }

    public ApMask with(int id) {
        Apqn.checkId("id", id);
        BitSet b = copy();
        b.set(id);
        return new ApMask(b);
    }

    public ApMask without(int id) {
        Apqn.checkId("id", id);
        BitSet b = copy();
        b.clear(id);
        return new ApMask(b);
    }

    public ApMask and(ApMask other) {
        BitSet b = copy();
        b.and(other.bits);
        return new ApMask(b);
    }

    public ApMask or(ApMask other) {
        BitSet b = copy();
        b.or(other.bits);
        return new ApMask(b);
    }

    public ApMask andNot(ApMask other) {
        BitSet b = copy();
        b.andNot(other.bits);
        return new ApMask(b);
    }

    public boolean intersects(ApMask other) {
        return bits.intersects(other.bits);
    }

    public boolean isEmpty() {
        return bits.isEmpty();
    }

    public boolean isFull() {
        return bits.cardinality() == BITS;
    }

    public int cardinality() {
        return bits.cardinality();
    }

    /** The set ids, ascending. */
    public IntStream ids() {
        return bits.stream();
    }

    public List<Integer> idList() {
        return bits.stream().boxed().toList();
    }

    /** {@code 0x} + 64 lower-case hex digits, no newline. */
    public String toHex() {
        StringBuilder sb = new StringBuilder(2 + HEX_DIGITS).append("0x");
        for (int digit = 0; digit < HEX_DIGITS; digit++) {
            int v = 0;
            for (int n = 0; n < 4; n++) {
                if (bits.get(digit * 4 + n)) {
                    v |= 0x8 >> n;
                }
            }
            sb.append(Character.forDigit(v, 16));
        }
        return sb.toString();
    }

    /** Exactly what the kernel prints when the mask attribute is read: {@link #toHex()} + newline. */
    public String toSysfs() {
        return toHex() + "\n";
    }

    /**
     * A compact human form for messages and status, e.g. {@code 3-6,9}; decimal ids.
     */
    public String toRangeList() {
        StringBuilder sb = new StringBuilder();
        int i = bits.nextSetBit(0);
        while (i >= 0) {
            int end = bits.nextClearBit(i) - 1;
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(i);
            if (end > i) {
                sb.append('-').append(end);
            }
            i = bits.nextSetBit(end + 1);
        }
        return sb.toString();
    }

    /**
     * Parses a mask as written to {@code apmask}/{@code aqmask}: a relative {@code +N,-N-M} list
     * applied to {@code current} when the first char is {@code +} or {@code -}, else the absolute
     * hex form. Throws {@link ApSyntaxException} (EINVAL) exactly where the kernel does.
     */
    public static ApMask parseWrite(String input, ApMask current) {
        char first = KernelNumbers.charAt(input, 0);
        if (first == '+' || first == '-') {
            return parseRelative(input, current);
        }
        return parseAbsolute(input);
    }

    /**
     * The kernel's {@code hex2bitmap}: optional {@code 0x} or {@code x}, up to 64 hex digits
     * filling from bit 0 (shorter input is zero-padded on the right), one optional newline.
     * {@code 0X} is not a prefix: its {@code 0} is a digit and the {@code X} is rejected.
     */
    public static ApMask parseAbsolute(String input) {
        int i = 0;
        if (KernelNumbers.charAt(input, 0) == '0' && KernelNumbers.charAt(input, 1) == 'x') {
            i++;
        }
        if (KernelNumbers.charAt(input, i) == 'x') {
            i++;
        }
        BitSet b = new BitSet(BITS);
        int bit = 0;
        while (bit < BITS && KernelNumbers.isHex(KernelNumbers.charAt(input, i))) {
            int v = Character.digit(input.charAt(i), 16);
            for (int n = 0; n < 4; n++) {
                if ((v & (0x8 >> n)) != 0) {
                    b.set(bit + n);
                }
            }
            bit += 4;
            i++;
        }
        if (KernelNumbers.charAt(input, i) == '\n') {
            i++;
        }
        if (i < input.length()) {
            String why = bit >= BITS && KernelNumbers.isHex(input.charAt(i))
                    ? "more than 64 hex digits"
                    : "unexpected character '" + printable(input.charAt(i)) + "' at position " + i;
            throw new ApSyntaxException("invalid mask " + KernelNumbers.quoted(input) + ": " + why
                    + "; expected 0x followed by up to 64 hex digits (bit 0 = leftmost), or a +N,-N-M list");
        }
        return new ApMask(b);
    }

    /** The kernel's {@code modify_bitmap}, on a copy of {@code current}. */
    public static ApMask parseRelative(String input, ApMask current) {
        BitSet b = current.copy();
        int i = 0;
        while (i < input.length()) {
            char sign = input.charAt(i++);
            if (sign != '+' && sign != '-') {
                throw relativeError(input, "every term must start with + or -, found '" + printable(sign) + "'");
            }
            KernelNumbers.Parsed a = KernelNumbers.simpleStrtoul(input, i);
            if (a.end() == i || a.value().compareTo(java.math.BigInteger.valueOf(BITS)) >= 0) {
                throw relativeError(input, a.end() == i ? "a number must follow '" + sign + "'" : "bit numbers must be below 256");
            }
            int from = a.value().intValue();
            int to = from;
            i = a.end();
            if (KernelNumbers.charAt(input, i) == '-') {
                i++;
                KernelNumbers.Parsed z = KernelNumbers.simpleStrtoul(input, i);
                if (z.end() == i || z.value().compareTo(java.math.BigInteger.valueOf(from)) < 0
                        || z.value().compareTo(java.math.BigInteger.valueOf(BITS)) >= 0) {
                    throw relativeError(input, "a range N-M needs N <= M < 256");
                }
                to = z.value().intValue();
                i = z.end();
            }
            if (sign == '+') {
                b.set(from, to + 1);
            } else {
                b.clear(from, to + 1);
            }
            while (KernelNumbers.charAt(input, i) == ',' || KernelNumbers.charAt(input, i) == '\n') {
                i++;
            }
        }
        return new ApMask(b);
    }

    /** Reads a mask as the kernel prints it ({@code 0x} + hex digits, optional newline). */
    public static ApMask parseSysfs(String text) {
        return parseAbsolute(text);
    }

    private static ApSyntaxException relativeError(String input, String why) {
        return new ApSyntaxException("invalid mask " + KernelNumbers.quoted(input) + ": " + why
                + "; expected terms like +N, -N, +N-M separated by ',' or newline, numbers decimal, 0x hex or 0-prefixed octal");
    }

    private static String printable(char c) {
        return c == '\n' ? "\\n" : c == '\0' ? "\\0" : String.valueOf(c);
    }

    private BitSet copy() {
        return (BitSet) bits.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ApMask m && m.bits.equals(bits);
    }

    @Override
    public int hashCode() {
        return bits.hashCode();
    }

    @Override
    public String toString() {
        return isEmpty() ? "{}" : "{" + toRangeList() + "}";
    }
}
