package dev.apqn.api.v1alpha1;

/** A crypto card's mode, from the mode bits of its ap_functions. */
public enum CardMode {
    CCA,
    EP11,
    Accelerator,
    Unknown
}
