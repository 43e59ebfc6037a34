package dev.apqn.apbus.sim.fuse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.fail;

/**
 * FUSE tests fail, never skip, where FUSE is missing: CI installs it (.ci/run), so a missing piece
 * is a broken machine setup that must be seen, not a reason to test less.
 */
public final class FuseRequirement {

    private FuseRequirement() {
    }

    /** Fails with what is missing and how to get it. */
    public static void require() {
        if (!Files.exists(Path.of("/dev/fuse"))) {
            fail("FUSE tests need /dev/fuse (modprobe fuse; in a container --device /dev/fuse)");
        }
        boolean fusermount = Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, "fusermount3")));
        if (!fusermount) {
            fail("FUSE tests need Debian's fuse3 and libfuse3-3 (fusermount3 is not on PATH): "
                    + "apt-get install -y fuse3 libfuse3-3, as .ci/run does");
        }
    }

    /** True if {@code dir} is a mount point of the simulated kernel's file system. */
    public static boolean mounted(Path dir) {
        return FuseMount.MountEntry.read().stream()
                .anyMatch(m -> m.mountPoint().equals(dir.toAbsolutePath().normalize().toString()));
    }
}
