package dev.apqn.apbus.sim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

/**
 * Writes the simulated kernel's current sysfs as a real directory tree, so that tools reading
 * sysfs (s390-tools' lszcrypt, {@code FileSysfs}) can look at it: {@code <root>/sys/...} with
 * regular files holding what a read returns (mode 0444 or 0644), write-only attributes as empty
 * files with mode 0200, and the kernel's relative symlinks ({@code driver}, {@code devices/*},
 * driver links, {@code mdev_type}, ...). A snapshot: later kernel changes are not reflected.
 */
public final class SysfsTreeExporter {

    private final SimSysfs sysfs;

    public SysfsTreeExporter(SimSysfs sysfs) {
        this.sysfs = sysfs;
    }

    /**
     * Exports the tree under {@code root} (which must be empty or absent); the kernel's
     * {@code /sys/bus/ap} becomes {@code root/sys/bus/ap}. Consistent: taken under the kernel lock.
     */
    public void export(Path root) throws IOException {
        SimKernel k = sysfs.kernel();
        k.lock.lock();
        try {
            Files.createDirectories(root);
            exportDir("/", root);
        } finally {
            k.lock.unlock();
        }
    }

    private void exportDir(String dir, Path target) throws IOException {
        Map<String, SimSysfs.Node> children = sysfs.children(dir);
        for (Map.Entry<String, SimSysfs.Node> e : children.entrySet()) {
            String path = dir.equals("/") ? "/" + e.getKey() : dir + "/" + e.getKey();
            Path out = target.resolve(e.getKey());
            SimSysfs.Node node = e.getValue();
            if (node instanceof SimSysfs.DirNode) {
                Files.createDirectories(out);
                exportDir(path, out);
            } else if (node instanceof SimSysfs.LinkNode l) {
                createLink(out, l.target());
            } else if (node instanceof SimSysfs.FileNode f) {
                String content = f.reader() == null ? "" : f.reader().get();
                Files.writeString(out, content, StandardCharsets.UTF_8);
                setMode(out, f.mode());
            }
        }
    }

    private static void createLink(Path out, String target) throws IOException {
        try {
            Files.createSymbolicLink(out, Paths.get(target));
        } catch (UnsupportedOperationException | FileSystemException ex) {
            throw new IOException("cannot create the symlink " + out + " -> " + target + ": " + ex.getMessage(), ex);
        }
    }

    private static void setMode(Path file, int mode) throws IOException {
        try {
            Files.setPosixFilePermissions(file, permissions(mode));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system: contents are still right
        }
    }

    static Set<PosixFilePermission> permissions(int mode) {
        StringBuilder sb = new StringBuilder();
        for (int shift = 6; shift >= 0; shift -= 3) {
            int bits = (mode >> shift) & 7;
            sb.append((bits & 4) != 0 ? 'r' : '-').append((bits & 2) != 0 ? 'w' : '-').append((bits & 1) != 0 ? 'x' : '-');
        }
        return PosixFilePermissions.fromString(sb.toString());
    }
}
