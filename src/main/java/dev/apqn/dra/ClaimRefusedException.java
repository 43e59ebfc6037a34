package dev.apqn.dra;

/** A claim the plugin does not prepare; the message goes to the kubelet (and the pod's events) as it is. */
final class ClaimRefusedException extends Exception {

    ClaimRefusedException(String message) {
        super(message);
    }
}
