package dev.apqn.apbus.sim.fuse;

import com.sun.jna.Callback;
import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;

import java.util.List;

/**
 * The part of libfuse 3's high-level API (fuse.h, {@code FUSE_USE_VERSION 312}) that
 * {@link FuseMount} uses, bound with JNA. Symbols resolve to their default versions
 * ({@code fuse_new@@FUSE_3.1}, {@code fuse_loop_mt@@FUSE_3.12}), which are the ones this
 * declaration matches. Types: {@code size_t}/{@code off_t} are 64-bit on every platform the
 * agent runs on (x86_64, s390x, aarch64), hence {@code long}.
 */
interface LibFuse3 extends Library {

    /** Debian's libfuse3-3 ships only the versioned name; the unversioned one needs the -dev package. */
    String[] LIBRARY_NAMES = {"libfuse3.so.3", "fuse3"};

    Pointer fuse_new(FuseArgs args, FuseOperations ops, long opSize, Pointer userData);

    int fuse_mount(Pointer fuse, String mountpoint);

    int fuse_loop_mt(Pointer fuse, Pointer loopConfig);

    Pointer fuse_loop_cfg_create();

    void fuse_loop_cfg_destroy(Pointer config);

    void fuse_exit(Pointer fuse);

    void fuse_unmount(Pointer fuse);

    void fuse_destroy(Pointer fuse);

    void fuse_opt_free_args(FuseArgs args);

    static LibFuse3 load() {
        UnsatisfiedLinkError first = null;
        for (String name : LIBRARY_NAMES) {
            try {
                return Native.load(name, LibFuse3.class);
            } catch (UnsatisfiedLinkError e) {
                first = first == null ? e : first;
            }
        }
        throw new FuseUnavailableException("libfuse 3 is not installed (Debian: apt-get install fuse3 libfuse3-3): "
                + first.getMessage(), first);
    }

    /** {@code struct fuse_args}. */
    @Structure.FieldOrder({"argc", "argv", "allocated"})
    class FuseArgs extends Structure {
        public int argc;
        public Pointer argv;
        public int allocated;
    }

    /** The few libc calls around mounting: lazy unmount of our own (possibly stale) mount point. */
    interface Libc extends Library {
        int MNT_DETACH = 2;

        int umount2(String target, int flags) throws LastErrorException;

        static Libc load() {
            return Native.load("c", Libc.class);
        }
    }

    // ---------------------------------------------------------------------------- callbacks

    interface GetAttr extends Callback {
        int invoke(String path, Pointer stat, Pointer fi);
    }

    interface ReadLink extends Callback {
        int invoke(String path, Pointer buf, long size);
    }

    interface Truncate extends Callback {
        int invoke(String path, long size, Pointer fi);
    }

    interface Open extends Callback {
        int invoke(String path, Pointer fi);
    }

    interface Read extends Callback {
        int invoke(String path, Pointer buf, long size, long offset, Pointer fi);
    }

    interface Write extends Callback {
        int invoke(String path, Pointer buf, long size, long offset, Pointer fi);
    }

    interface Release extends Callback {
        int invoke(String path, Pointer fi);
    }

    /** {@code filler} is a {@code fuse_fill_dir_t}, called through {@link com.sun.jna.Function}. */
    interface ReadDir extends Callback {
        int invoke(String path, Pointer buf, Pointer filler, long offset, Pointer fi, int flags);
    }

    /**
     * {@code struct fuse_operations} up to {@code readdir}: libfuse copies {@code op_size} bytes
     * and zero-fills the rest, so the later operations (none of which sysfs needs) stay unset.
     * Operations left null answer ENOSYS (mkdir, unlink, chmod, ...), which is what a writer to
     * sysfs gets too, modulo the errno (sysfs: EPERM/EACCES).
     */
    @Structure.FieldOrder({"getattr", "readlink", "mknod", "mkdir", "unlink", "rmdir", "symlink", "rename", "link",
            "chmod", "chown", "truncate", "open", "read", "write", "statfs", "flush", "release", "fsync", "setxattr",
            "getxattr", "listxattr", "removexattr", "opendir", "readdir"})
    class FuseOperations extends Structure {
        public GetAttr getattr;
        public ReadLink readlink;
        public Pointer mknod;
        public Pointer mkdir;
        public Pointer unlink;
        public Pointer rmdir;
        public Pointer symlink;
        public Pointer rename;
        public Pointer link;
        public Pointer chmod;
        public Pointer chown;
        public Truncate truncate;
        public Open open;
        public Read read;
        public Write write;
        public Pointer statfs;
        public Pointer flush;
        public Release release;
        public Pointer fsync;
        public Pointer setxattr;
        public Pointer getxattr;
        public Pointer listxattr;
        public Pointer removexattr;
        public Pointer opendir;
        public ReadDir readdir;

        List<Callback> callbacks() {
            return List.of(getattr, readlink, truncate, open, read, write, release, readdir);
        }
    }
}
