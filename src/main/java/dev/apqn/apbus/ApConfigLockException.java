package dev.apqn.apbus;

import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalLong;

/** The AP configuration lock could not be taken: someone held it for too long, or the file failed. */
public class ApConfigLockException extends IOException {

    private final Path lockFile;
    private final OptionalLong holderPid;

    public ApConfigLockException(Path lockFile, OptionalLong holderPid, String message, Throwable cause) {
        super(message, cause);
        this.lockFile = lockFile;
        this.holderPid = holderPid;
    }

    public Path lockFile() {
        return lockFile;
    }

    /** The PID in the lock file when we gave up, if there was one. */
    public OptionalLong holderPid() {
        return holderPid;
    }
}
