package dev.apqn.apbus.sim.fuse;

import com.sun.jna.Pointer;

import java.util.Locale;

/**
 * Where glibc's {@code struct stat} keeps the fields a sysfs reader looks at, per architecture:
 * x86_64 and s390x share the first fields (nlink before mode, both 64-bit words first) but s390x
 * puts the timestamps before {@code st_blksize}; aarch64 uses the generic layout (mode before a
 * 32-bit nlink). libfuse zeroes the struct before {@code getattr}, so unset fields read as 0.
 */
record StatLayout(String arch, int nlink, boolean nlink64, int mode, int uid, int gid, int size, int blksize,
                  boolean blksize64, int atime, int mtime, int ctime) {

    static final int S_IFDIR = 0040000;
    static final int S_IFREG = 0100000;
    static final int S_IFLNK = 0120000;

    static final StatLayout X86_64 = new StatLayout("x86_64", 16, true, 24, 28, 32, 48, 56, true, 72, 88, 104);
    static final StatLayout S390X = new StatLayout("s390x", 16, true, 24, 28, 32, 48, 104, true, 56, 72, 88);
    static final StatLayout AARCH64 = new StatLayout("aarch64", 20, false, 16, 24, 28, 48, 56, false, 72, 88, 104);

    /** The layout of the running JVM's architecture. */
    static StatLayout current() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "amd64", "x86_64" -> X86_64;
            case "s390x" -> S390X;
            case "aarch64" -> AARCH64;
            default -> throw new FuseUnavailableException("the simulated kernel's FUSE server knows struct stat of "
                    + "x86_64, s390x and aarch64, not of " + arch, null);
        };
    }

    /** Fills a zeroed {@code struct stat}: owner root, all three times {@code epochSecond}. */
    void fill(Pointer stat, int fileMode, long links, long fileSize, long epochSecond) {
        if (nlink64) {
            stat.setLong(nlink, links);
        } else {
            stat.setInt(nlink, (int) links);
        }
        stat.setInt(mode, fileMode);
        stat.setInt(uid, 0);
        stat.setInt(gid, 0);
        stat.setLong(size, fileSize);
        if (blksize64) {
            stat.setLong(blksize, 4096);
        } else {
            stat.setInt(blksize, 4096);
        }
        stat.setLong(atime, epochSecond);
        stat.setLong(mtime, epochSecond);
        stat.setLong(ctime, epochSecond);
    }
}
