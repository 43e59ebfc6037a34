package dev.apqn.apbus.sim;

import dev.apqn.apbus.FileSysfs;
import dev.apqn.apbus.sim.fuse.FuseMount;
import dev.apqn.apbus.sim.fuse.FuseRequirement;
import dev.apqn.apbus.sim.fuse.SimKernelFs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One FUSE mount of the simulated kernel for a whole test class, and the agent's production
 * backend ({@link FileSysfs}) over it. Each row or run boots its own kernel and {@link #serve}s it
 * on the same mount: mounting once keeps the class fast, booting per row keeps rows independent.
 */
final class SimKernelMount implements AutoCloseable {

    private final Path dir;
    private final FuseMount mount;
    private final FileSysfs files;

    private SimKernelMount(Path dir, FuseMount mount) {
        this.dir = dir;
        this.mount = mount;
        this.files = new FileSysfs(mount.mountPoint());
    }

    /** Mounts a placeholder kernel (every row serves its own) in a fresh temporary directory. */
    static SimKernelMount open() {
        FuseRequirement.require();
        try {
            Path dir = Files.createTempDirectory("apqn-simkernel-");
            long t0 = System.nanoTime();
            FuseMount m = SimKernelFs.serve(dir.resolve("root"),
                    new SimSysfs(SimKernel.boot(ConformanceNode.profile(KernelLevel.LEGACY), 7)));
            System.out.printf("simkernel FUSE mount at %s took %d ms%n", m.mountPoint(), (System.nanoTime() - t0) / 1_000_000);
            return new SimKernelMount(dir, m);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Serves {@code model} from now on and returns the files that reach it. */
    FileSysfs serve(SimSysfs model) {
        SimKernelFs.replace(mount, model);
        return files;
    }

    /** The conformance rows' access: a node whose reads and writes go through the mount. */
    ConformanceNode.Access access() {
        return kernel -> {
            SimSysfs model = new SimSysfs(kernel);
            return new ConformanceNode(kernel, model, serve(model));
        };
    }

    @Override
    public void close() throws IOException {
        files.close();
        mount.close();
        if (FuseRequirement.mounted(mount.mountPoint())) {
            throw new IllegalStateException(mount.mountPoint() + " is still mounted after close");
        }
        Files.delete(mount.mountPoint());
        Files.delete(dir);
    }
}
