package dev.apqn.controller;

import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import org.jboss.logging.Logger;

import java.util.Objects;

/**
 * This controller's leader-election state and what ending it means. JOSDK's own "exit when I stop
 * leading" calls {@code System.exit} from inside the elector's stop, which on SIGTERM runs in the
 * JVM's shutdown hook: {@code System.exit} there blocks forever and the pod hangs until SIGKILL. So
 * JOSDK is told not to exit, and these callbacks decide instead: leadership lost while running (the
 * Lease was not renewed in time, or another instance holds it) ends the process from a fresh thread,
 * so no two controllers ever reconcile at once; leadership ending because we {@link #shutDown() shut
 * down} is expected and only logged (the caller then releases the Lease, see {@link LeaderLease}).
 */
public final class Leadership {

    private static final Logger LOG = Logger.getLogger(Leadership.class);

    private final String identity;
    private final Runnable exit;
    private volatile boolean leading;
    private volatile boolean shuttingDown;
    private volatile String leader;

    /**
     * @param identity this instance's holder identity in the Lease
     * @param exit     what losing the lease while running does (production: {@link #exitProcess()})
     */
    public Leadership(String identity, Runnable exit) {
        this.identity = Objects.requireNonNull(identity, "identity");
        this.exit = Objects.requireNonNull(exit, "exit");
    }

    /** Exits the JVM with status 1 from a new thread (never from the elector's or a shutdown hook's). */
    public static Runnable exitProcess() {
        return () -> new Thread(() -> System.exit(1), "apqn-lost-leadership-exit").start();
    }

    /** The callbacks to hand to JOSDK's leader election (with exitOnStopLeading false). */
    public LeaderCallbacks callbacks() {
        return new LeaderCallbacks(this::startedLeading, this::stoppedLeading, this::newLeader);
    }

    void startedLeading() {
        leading = true;
        LOG.infof("leader election: %s is the leader", identity);
    }

    void stoppedLeading() {
        leading = false;
        if (shuttingDown) {
            LOG.infof("leader election: %s stopped leading (shutting down)", identity);
            return;
        }
        LOG.errorf("leader election: %s lost the leadership while running; exiting so that only the new leader reconciles",
                identity);
        exit.run();
    }

    void newLeader(String who) {
        leader = who;
    }

    /** Marks an orderly shutdown: the leadership ending from now on is expected. */
    public void shutDown() {
        shuttingDown = true;
    }

    public boolean leading() {
        return leading;
    }

    /** The holder last observed in the Lease (null: none yet, or released). */
    public String leader() {
        return leader;
    }

    public String identity() {
        return identity;
    }
}
