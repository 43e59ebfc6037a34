package dev.apqn.apbus;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The few libc calls that {@link FileSysfs} makes itself, because only they report the kernel's
 * errno as a number: Java's own file APIs turn it into (possibly translated) text. JNA fills in a
 * {@link LastErrorException} with the errno for every method declared to throw it.
 */
interface Libc extends Library {

    // asm-generic/fcntl.h values, shared by s390x, x86_64 and aarch64.
    int O_RDONLY = 0;
    int O_WRONLY = 1;
    int O_TRUNC = 0x200;
    int O_CLOEXEC = 0x80000;

    /** open(2) without O_CREAT: a missing attribute must fail with ENOENT, never be created. */
    int open(String path, int flags) throws LastErrorException;

    NativeLong read(int fd, byte[] buffer, NativeLong count) throws LastErrorException;

    NativeLong write(int fd, byte[] buffer, NativeLong count) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    String strerror(int errnum);

    /** The bound libc, or empty where JNA cannot load (no native support for this platform). */
    static Optional<Libc> instance() {
        return Holder.LIBC;
    }

    /** Loads libc once; a failure is logged once and {@link FileSysfs} falls back to Java I/O. */
    final class Holder {
        private static final Optional<Libc> LIBC = load();

        private Holder() {
        }

        private static Optional<Libc> load() {
            try {
                return Optional.of(Native.load(Platform.C_LIBRARY_NAME, Libc.class));
            } catch (LinkageError | RuntimeException e) {
                Logger.getLogger(Libc.class).warnf(
                        "JNA cannot load libc (%s); sysfs errors are identified from their message text instead", e);
                return Optional.empty();
            }
        }
    }
}
