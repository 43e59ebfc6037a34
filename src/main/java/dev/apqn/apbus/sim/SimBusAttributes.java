package dev.apqn.apbus.sim;

import dev.apqn.ap.ApSyntaxException;
import dev.apqn.ap.Errno;
import dev.apqn.ap.KernelNumbers;

/**
 * Writes to the simple AP bus tunables: {@code ap_domain}, {@code config_time}, {@code poll_thread},
 * {@code poll_timeout} and {@code drivers_autoprobe}, each with the parser its kernel store
 * function uses, and their values (kernel state: {@link #reset() reset} by every boot). Runs under
 * the kernel lock.
 */
final class SimBusAttributes {

    private final SimKernel k;
    private int apDomain;
    private int configTime;
    private boolean pollThread;
    private long pollTimeout;
    private boolean driversAutoprobe;

    SimBusAttributes(SimKernel kernel) {
        this.k = kernel;
        reset();
    }

    /** The boot defaults: no default domain until the first scan picks one, 30 s, no poll thread, 250 µs, autoprobe. */
    void reset() {
        apDomain = -1;
        configTime = 30;
        pollThread = false;
        pollTimeout = 250000;
        driversAutoprobe = true;
    }

    /** {@code ap_domain}; -1 while none is selected. */
    int apDomain() {
        return apDomain;
    }

    /** The bus scan's pick when no default domain is selected yet. */
    void selectDefaultDomain(int domain) {
        apDomain = domain;
    }

    int configTime() {
        return configTime;
    }

    boolean pollThread() {
        return pollThread;
    }

    long pollTimeout() {
        return pollTimeout;
    }

    boolean driversAutoprobe() {
        return driversAutoprobe;
    }

    /** {@code ap_domain} ({@code sscanf %i}): a domain set in aqmask. */
    void writeApDomain(String raw) {
        long d = KernelInput.sscanfI(raw).orElse(-1L);
        if (d < 0 || d > k.profile().maxDomainId() || !k.aqmask().get((int) d)) {
            throw new SimKernelException(Errno.EINVAL, "ap_domain must be a domain set in aqmask");
        }
        apDomain = (int) d;
    }

    /** {@code config_time} (5..120 seconds). */
    void writeConfigTime(String raw) {
        int v = KernelInput.sscanfInt(raw).filter(i -> i >= 5 && i <= 120)
                .orElseThrow(() -> new SimKernelException(Errno.EINVAL, "config_time takes 5..120"));
        configTime = v;
    }

    /** {@code poll_thread} (kstrtobool); starting it is a no-op since interrupts are in use. */
    void writePollThread(String raw) {
        KernelInput.parseBool(raw);
        pollThread = false;
    }

    /** {@code poll_timeout} (kstrtoul base 0, at most 120 s in ns). */
    void writePollTimeout(String raw) {
        long v;
        try {
            v = KernelNumbers.kstrtoul(raw);
        } catch (ApSyntaxException e) {
            throw new SimKernelException(e.errno(), e.getMessage());
        }
        if (v > 120_000_000_000L) {
            throw new SimKernelException(Errno.EINVAL, "poll_timeout at most 120000000000 ns");
        }
        pollTimeout = v;
    }

    /** {@code drivers_autoprobe} (kstrtobool). */
    void writeDriversAutoprobe(String raw) {
        driversAutoprobe = KernelInput.parseBool(raw);
    }
}
