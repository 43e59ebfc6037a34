package dev.apqn.image;

/**
 * One entry of an image's root filesystem, as its layer tar records it. {@code path} is relative to
 * "/" ("deployments/quarkus-run.jar"); {@code sha256} is the content digest when it was asked for,
 * else null.
 */
record ImageFile(String path, Type type, int mode, long uid, long gid, String linkTarget, String sha256) {

    enum Type {
        FILE, DIRECTORY, SYMLINK, HARDLINK, OTHER
    }

    boolean writableByGroupOrOthers() {
        return (mode & 0022) != 0;
    }

    boolean executable() {
        return (mode & 0111) != 0;
    }
}
