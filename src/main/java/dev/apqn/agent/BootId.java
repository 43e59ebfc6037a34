package dev.apqn.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The running kernel's boot id: a new one means the node rebooted, so the intent ledger of the old
 * boot is discarded and the agent re-creates its reservations (Restoring).
 */
public final class BootId {

    /** Where Linux tells the running kernel's boot id. */
    public static final Path LINUX = Path.of("/proc/sys/kernel/random/boot_id");

    private BootId() {
    }

    /** The running kernel's boot id, {@code /proc/sys/kernel/random/boot_id}. */
    public static Supplier<String> linux() {
        return from(LINUX);
    }

    /**
     * The boot id read from {@code file} on every call: {@link #LINUX} on a node, the file a
     * simkernel writes at each of its starts (its reboots) on a simulated one.
     */
    public static Supplier<String> from(Path file) {
        return () -> {
            try {
                return Files.readString(file).strip();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the kernel's boot id from " + file, e);
            }
        };
    }
}
