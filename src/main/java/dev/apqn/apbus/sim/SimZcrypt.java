package dev.apqn.apbus.sim;

import dev.apqn.ap.Apqn;
import dev.apqn.ap.Errno;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The zcrypt side of cards and queues in the simulated kernel: the {@code online} switches
 * (ap-bus.md §1.4, §1.5, invariant 18), queue {@code reset} and the {@code request_count} resets.
 * The state is the {@link SimKernel}'s; runs under the kernel lock.
 *
 * <h2>Choices where ap-bus.md is open (§11) or where the model simplifies</h2>
 * <ul>
 *   <li>§11.11: a {@code reset} write flushes the queue and changes nothing else, on any driver.</li>
 *   <li>zcrypt {@code online=1} is refused while checkstopped from level AP_CONFIG on (a late-2023 change).</li>
 * </ul>
 */
final class SimZcrypt {

    private final SimKernel k;
    private final SimCapabilities caps;

    SimZcrypt(SimKernel kernel) {
        this.k = kernel;
        this.caps = kernel.capabilities();
    }

    /** A write to a card's zcrypt {@code online}: also switches its cex4queue queues. */
    void writeCardOnline(int adapter, String raw) {
        SimCard c = k.requireCard(adapter);
        if (c.driver != SimDriver.CEX4CARD) {
            throw new SimKernelException(Errno.ENOENT, c.name() + " is not bound to cex4card");
        }
        boolean on = KernelInput.parseOnline(raw);
        if (on && (!c.config || (caps.onlineRefusedWhileCheckstopped() && c.chkstop))) {
            throw new SimKernelException(Errno.ENODEV, c.name() + " is " + (c.config ? "checkstopped" : "deconfigured"));
        }
        c.zcryptOnline = on;
        k.uevent("change", SimKernel.devpath(c), Map.of("ONLINE", on ? "1" : "0"));
        for (SimQueue q : k.queuesOf(adapter)) {
            if (q.driver == SimDriver.CEX4QUEUE) {
                boolean was = q.zcryptOnline;
                q.zcryptOnline = on;
                if (!on) {
                    k.traffic().flush(q.apqn());
                }
                if (was != on) {
                    k.uevent("change", SimKernel.devpath(q), Map.of("ONLINE", on ? "1" : "0"));
                }
            }
        }
    }

    /** A write to a queue's zcrypt {@code online}. */
    void writeQueueOnline(Apqn apqn, String raw) {
        SimQueue q = k.requireQueue(apqn);
        if (q.driver != SimDriver.CEX4QUEUE) {
            throw new SimKernelException(Errno.ENOENT, apqn + " is not bound to cex4queue");
        }
        SimCard c = k.cards().get(apqn.adapter());
        boolean on = KernelInput.parseOnline(raw);
        boolean stopped = caps.onlineRefusedWhileCheckstopped() && (q.chkstop || c.chkstop);
        if (on && (!q.config || !c.config || stopped)) {
            throw new SimKernelException(Errno.ENODEV, apqn + " or its card is deconfigured or checkstopped");
        }
        if (on && !(c.driver == SimDriver.CEX4CARD && c.zcryptOnline)) {
            throw new SimKernelException(Errno.EINVAL, "card " + c.name() + " is offline");
        }
        q.zcryptOnline = on;
        if (!on) {
            k.traffic().flush(apqn);
        }
        k.uevent("change", SimKernel.devpath(q), Map.of("ONLINE", on ? "1" : "0"));
    }

    /** A write to a queue's {@code reset}: flushes it (-EAGAIN) and restarts its state machine. */
    void resetQueue(Apqn apqn) {
        k.requireQueue(apqn);
        k.traffic().flush(apqn);
    }

    /** A write to a queue's {@code request_count}: resets its counter. */
    void resetQueueRequestCount(Apqn apqn) {
        k.requireQueue(apqn);
        k.traffic().resetRequestCount(apqn);
    }

    /** A write to a card's {@code request_count}: resets the counters of the card and all its queues. */
    void resetCardRequestCount(int adapter) {
        k.requireCard(adapter);
        for (SimQueue q : k.queuesOf(adapter)) {
            k.traffic().resetRequestCount(q.apqn());
        }
    }

    /** Queues zcrypt may use now, sorted by APQN: bound, initialised, online and healthy, on a usable card. */
    List<Apqn> usableQueues() {
        List<Apqn> out = new ArrayList<>();
        for (SimQueue q : k.queues().values()) {
            if (usable(q)) {
                out.add(q.apqn());
            }
        }
        return out;
    }

    /** zcrypt may send a request to this queue now (see {@link #usableQueues()}). */
    boolean usable(SimQueue q) {
        SimCard c = k.cards().get(q.apqn().adapter());
        return q.driver == SimDriver.CEX4QUEUE && q.initialised && q.zcryptOnline && q.config && !q.chkstop
                && c != null && c.driver == SimDriver.CEX4CARD && c.zcryptOnline && c.config && !c.chkstop;
    }
}
