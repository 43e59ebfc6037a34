package dev.apqn.apbus;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Errno;
import dev.apqn.ap.KernelNumbers;
import dev.apqn.apbus.SysfsException.Operation;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Reads single sysfs attributes as typed values. Kernel output of a shape we do not expect becomes
 * an EIO {@link SysfsException} naming the file and its text, so that a kernel change is reported
 * where it is seen rather than as a wrong inventory later.
 */
final class SysfsValues {

    private final Sysfs sysfs;

    SysfsValues(Sysfs sysfs) {
        this.sysfs = sysfs;
    }

    /** The file's text, empty if it does not exist (ENOENT); other errors throw. */
    Optional<String> readIfPresent(String path) throws SysfsException {
        try {
            return Optional.of(sysfs.read(path));
        } catch (SysfsException e) {
            if (e.errno() == Errno.ENOENT) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Reads and parses a file that may be absent (ENOENT → empty); other errors and bad content throw. */
    <T> Optional<T> readIfPresent(String path, Function<String, T> parser) throws SysfsException {
        Optional<String> text = readIfPresent(path);
        return text.isPresent() ? Optional.of(parse(path, text.get(), parser)) : Optional.empty();
    }

    /** Reads and parses a file that must exist. */
    <T> T read(String path, Function<String, T> parser) throws SysfsException {
        return parse(path, sysfs.read(path), parser);
    }

    ApMask readMask(String path) throws SysfsException {
        return read(path, ApMask::parseSysfs);
    }

    /** A QCI mask attribute; empty where the machine does not support QCI ("not supported"). */
    Optional<ApMask> readQciMask(String path) throws SysfsException {
        String text = sysfs.read(path);
        if (text.strip().equals("not supported")) {
            return Optional.empty();
        }
        return Optional.of(parse(path, text, ApMask::parseSysfs));
    }

    int readInt(String path) throws SysfsException {
        return read(path, t -> Integer.parseInt(t.strip()));
    }

    long readLong(String path) throws SysfsException {
        return read(path, t -> Long.parseLong(t.strip()));
    }

    /** A 0/1 attribute; {@code ifAbsent} where the kernel does not have it. */
    boolean readFlag(String path, boolean ifAbsent) throws SysfsException {
        return readIfPresent(path, SysfsValues::parseFlag).orElse(ifAbsent);
    }

    static boolean parseFlag(String text) {
        return Integer.parseInt(text.strip()) != 0;
    }

    /** {@code ap_functions}: always printed as {@code 0x} + 8 hex digits. */
    static int parseFunctions(String text) {
        String s = text.strip();
        if (!s.startsWith("0x") && !s.startsWith("0X")) {
            throw new NumberFormatException("no 0x prefix");
        }
        return Integer.parseUnsignedInt(s.substring(2), 16);
    }

    /** A blank-separated word list such as a {@code features} file. */
    static Set<String> words(String text) {
        String s = text.strip();
        return s.isEmpty() ? Set.of() : new TreeSet<>(Arrays.asList(s.split("\\s+")));
    }

    /** Parses kernel output; a shape we do not expect becomes an EIO SysfsException naming the file and text. */
    static <T> T parse(String path, String text, Function<String, T> parser) throws SysfsException {
        try {
            return parser.apply(text);
        } catch (RuntimeException e) {
            throw unexpected(path, text, e);
        }
    }

    private static SysfsException unexpected(String path, String text, RuntimeException e) {
        return new SysfsException(Errno.EIO, Operation.READ, path, null,
                "the file holds " + KernelNumbers.quoted(text) + ", which is not in the format this operator expects ("
                        + e.getMessage() + ")");
    }
}
