package dev.apqn.plan;

/** Why a reservation was refused; each comes with a message naming the field and the fix. */
public enum ReasonCode {
    /** The request is empty or malformed (no APQNs, zero counts). */
    InvalidRequest,
    /** The explicit APQNs are not a full adapters × domains rectangle. */
    NotRectangle,
    /** An APQN is not in the node's host configuration and has no queue device. */
    NotOnNode,
    /** The namespace may not reserve an APQN (policy grants). */
    NamespaceNotGranted,
    /** The policy keeps an APQN for the host, or every mask cover would take a kept APQN. */
    PolicyKept,
    /** An mdev the operator did not make uses an APQN. */
    ForeignMdev,
    /** A selection cannot be satisfied by free APQNs. */
    NoCapacity
}
