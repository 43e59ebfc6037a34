package dev.apqn.apbus.sim;

import java.util.Map;

/**
 * A uevent the simulated kernel sent (what udev would see on netlink). Kept in a log for tests;
 * the virtual sysfs does not expose it.
 *
 * @param action  {@code add}, {@code remove} or {@code change}
 * @param devpath the device path without {@code /sys}, e.g. {@code /devices/ap}
 * @param env     the environment, e.g. {@code APMASK=0x...\n} (the kernel keeps the newline)
 */
public record Uevent(String action, String devpath, Map<String, String> env) {

    public Uevent {
        env = Map.copyOf(env);
    }
}
