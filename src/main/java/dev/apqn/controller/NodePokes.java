package dev.apqn.controller;

import dev.apqn.api.v1alpha1.APNodeState;
import io.javaoperatorsdk.operator.OperatorException;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The node reconciler's event source for reservation changes: the reservation reconciler sees every
 * reservation event first (it owns that informer) and pokes the node the reservation is on. Pokes of
 * one node within {@code window} become one event (a burst of creates or deletes on a node is then
 * planned and applied in one pass, one APNodeState write instead of one per reservation), and JOSDK
 * coalesces the events that arrive while a pass runs.
 */
final class NodePokes extends AbstractEventSource<Void, APNodeState> {

    private final Duration window;
    private final Set<String> waiting = ConcurrentHashMap.newKeySet();
    private volatile ScheduledExecutorService timer;

    NodePokes(Duration window) {
        super(Void.class, "reservation-pokes");
        this.window = window;
    }

    @Override
    public Set<Void> getSecondaryResources(APNodeState primary) {
        return Set.of(); // an event source without resources of its own
    }

    @Override
    public void start() throws OperatorException {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "apqn-node-pokes");
            t.setDaemon(true);
            return t;
        });
        super.start();
    }

    @Override
    public void stop() throws OperatorException {
        super.stop();
        ScheduledExecutorService t = timer;
        if (t != null) {
            t.shutdownNow();
        }
        waiting.clear();
    }

    void poke(String node) {
        ScheduledExecutorService t = timer;
        if (!isRunning() || t == null) {
            return;
        }
        if (window.isZero()) {
            fire(node);
        } else if (waiting.add(node)) {
            t.schedule(() -> {
                waiting.remove(node);
                fire(node);
            }, window.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void fire(String node) {
        if (isRunning() && getEventHandler() != null) {
            getEventHandler().handleEvent(new Event(new ResourceID(node)));
        }
    }
}
