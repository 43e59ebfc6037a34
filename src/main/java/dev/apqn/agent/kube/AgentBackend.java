package dev.apqn.agent.kube;

/** Where an agent's {@link dev.apqn.apbus.ApBus} reads and writes ({@code apqn.agent.backend}). */
public enum AgentBackend {
    /** A simulated kernel booted from a machine profile (demo, tests, benchmark). */
    simulated,
    /** Real sysfs files under a root ({@code /sys} on a node). */
    sysfs
}
