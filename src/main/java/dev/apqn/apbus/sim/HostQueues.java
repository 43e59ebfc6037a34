package dev.apqn.apbus.sim;

import dev.apqn.ap.Apqn;

import java.util.List;

/**
 * What zcrypt's request routing can see of the simulated kernel: the queues a request may be sent
 * to right now. Implemented by the simulated kernel; used by {@link ZcryptTraffic}.
 */
public interface HostQueues {

    /**
     * Queues zcrypt may use now: bound to cex4queue, zcrypt-online (queue and card), configured
     * and not checkstopped. Sorted by APQN.
     */
    List<Apqn> usableQueues();
}
