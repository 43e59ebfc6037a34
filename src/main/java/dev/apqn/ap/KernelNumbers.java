package dev.apqn.ap;

import java.math.BigInteger;

/**
 * The kernel's integer parsers as sysfs store handlers use them, reproduced exactly, quirks
 * included: base 0 means {@code 0x}/{@code 0X} hex, a leading {@code 0} octal, else decimal; and
 * {@code "0x"} not followed by a hex digit is the octal number 0 followed by junk.
 */
public final class KernelNumbers {

    private static final BigInteger ULONG_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private KernelNumbers() {
    }

    /**
     * Result of {@link #simpleStrtoul}: the value modulo 2^64 (the kernel's unsigned long wraps),
     * whether it overflowed, and the index just past the last digit consumed.
     */
    public record Parsed(BigInteger value, int end, boolean overflow) {
    }

    /**
     * {@code simple_strtoul(s + from, &end, 0)}: no whitespace or sign skipping; returns
     * {@code end == from} when no digit was consumed.
     */
    public static Parsed simpleStrtoul(String s, int from) {
        int i = from;
        int base = 10;
        if (charAt(s, i) == '0') {
            char next = Character.toLowerCase(charAt(s, i + 1));
            if (next == 'x' && isHex(charAt(s, i + 2))) {
                base = 16;
                i += 2;
            } else {
                base = 8;
            }
        }
        BigInteger value = BigInteger.ZERO;
        int start = i;
        while (i < s.length() && isHex(s.charAt(i)) && Character.digit(s.charAt(i), base) >= 0) {
            value = value.multiply(BigInteger.valueOf(base)).add(BigInteger.valueOf(Character.digit(s.charAt(i), base)));
            i++;
        }
        if (i == start) {
            return new Parsed(BigInteger.ZERO, from, false);
        }
        boolean overflow = value.compareTo(ULONG_MAX) > 0;
        return new Parsed(value.and(ULONG_MAX), i, overflow);
    }

    /**
     * {@code kstrtoul(s, 0, &v)}: an optional leading '+', one number, one optional trailing
     * newline, nothing else (EINVAL); a value above ULONG_MAX is ERANGE.
     */
    public static long kstrtoul(String s) {
        int i = 0;
        if (charAt(s, 0) == '+') {
            i = 1;
        }
        Parsed p = simpleStrtoul(s, i);
        if (p.end() == i) {
            throw new ApSyntaxException(Errno.EINVAL, "expected a number (decimal, 0x hex or 0-prefixed octal), got " + quoted(s));
        }
        if (p.overflow()) {
            throw new ApSyntaxException(Errno.ERANGE, "number out of range: " + quoted(s));
        }
        int end = p.end();
        if (charAt(s, end) == '\n') {
            end++;
        }
        if (end != s.length()) {
            throw new ApSyntaxException(Errno.EINVAL, "unexpected text after the number in " + quoted(s));
        }
        // callers compare against small maxima; clamp so a huge unsigned value stays "too big"
        return p.value().min(BigInteger.valueOf(Long.MAX_VALUE)).longValueExact();
    }

    static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    static char charAt(String s, int i) {
        return i < s.length() ? s.charAt(i) : '\0';
    }

    public static String quoted(String s) {
        return "\"" + s.replace("\n", "\\n") + "\"";
    }
}
