package dev.apqn.controller;

import dev.apqn.api.v1alpha1.APNodeState;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;

/**
 * The node reconciler's event source for reservation changes: the reservation reconciler sees every
 * reservation event first (it owns that informer) and pokes the node the reservation is on. JOSDK
 * coalesces pokes for a node while its pass runs, so a burst of reservations on one node is planned
 * in one or two passes, not one per reservation.
 */
final class NodePokes extends AbstractEventSource<Void, APNodeState> {

    NodePokes() {
        super(Void.class, "reservation-pokes");
    }

    @Override
    public java.util.Set<Void> getSecondaryResources(APNodeState primary) {
        return java.util.Set.of(); // an event source without resources of its own
    }

    void poke(String node) {
        if (isRunning() && getEventHandler() != null) {
            getEventHandler().handleEvent(new Event(new ResourceID(node)));
        }
    }
}
