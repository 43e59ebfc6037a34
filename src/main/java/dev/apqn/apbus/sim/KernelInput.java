package dev.apqn.apbus.sim;

import dev.apqn.ap.Errno;
import dev.apqn.ap.KernelNumbers;

import java.util.Optional;

/**
 * How the simulated kernel parses what user space writes to an attribute: the C library and kernel
 * helpers the real store functions use ({@code sscanf}, {@code kstrtobool}), with their leniency,
 * because tests check that exactly the inputs the kernel accepts are accepted.
 */
final class KernelInput {

    private KernelInput() {
    }

    /** The written text without the one trailing newline {@code echo} adds. */
    static String stripNewline(String raw) {
        return raw.endsWith("\n") ? raw.substring(0, raw.length() - 1) : raw;
    }

    /** {@code sscanf(buf, "%d")}: leading white space, optional sign, decimal digits; the rest is ignored. */
    static Optional<Integer> sscanfInt(String s) {
        int i = 0;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        int start = i;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            i++;
        }
        int digits = i;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
        }
        if (i == digits || i - digits > 9) {
            return Optional.empty();
        }
        return Optional.of(Integer.parseInt(s.substring(start, i)));
    }

    /** {@code sscanf(buf, "%i")}: like %d but with 0x hex and 0-prefixed octal. */
    static Optional<Long> sscanfI(String s) {
        int i = 0;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        boolean neg = false;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            neg = s.charAt(i) == '-';
            i++;
        }
        KernelNumbers.Parsed p = KernelNumbers.simpleStrtoul(s, i);
        if (p.end() == i || p.overflow() || p.value().bitLength() > 31) {
            return Optional.empty();
        }
        long v = p.value().longValue();
        return Optional.of(neg ? -v : v);
    }

    /** {@code kstrtobool}: first char 1/y/Y/0/n/N, or on/off. */
    static boolean parseBool(String s) {
        if (!s.isEmpty()) {
            switch (s.charAt(0)) {
                case '1', 'y', 'Y', 't', 'T':
                    return true;
                case '0', 'n', 'N', 'f', 'F':
                    return false;
                case 'o', 'O':
                    if (s.length() > 1 && (s.charAt(1) == 'n' || s.charAt(1) == 'N')) {
                        return true;
                    }
                    if (s.length() > 1 && (s.charAt(1) == 'f' || s.charAt(1) == 'F')) {
                        return false;
                    }
                    break;
                default:
                    break;
            }
        }
        throw new SimKernelException(Errno.EINVAL, "expected a boolean (1/0, y/n, on/off)");
    }

    /** zcrypt's {@code online}: {@code %d}, 0 or 1 only. */
    static boolean parseOnline(String raw) {
        return sscanfInt(raw).filter(i -> i == 0 || i == 1)
                .orElseThrow(() -> new SimKernelException(Errno.EINVAL, "online takes 0 or 1")) == 1;
    }
}
