package dev.apqn.api.v1alpha1;

/** Whether the controller may apply a plan at once or must wait for the user to approve its hash. */
public enum Approval {
    Automatic,
    Manual
}
