package dev.apqn.agent;

import dev.apqn.apbus.Sysfs;
import dev.apqn.apbus.SysfsException;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A Sysfs decorator that counts writes, records them, and can kill the agent (throw {@link Crash})
 * just before or just after write number N: the generic way to enumerate every host-write crash point.
 */
final class CrashingSysfs implements Sysfs {

    private final Sysfs delegate;
    private final List<String> written = new ArrayList<>();
    private int writes;
    private int crashAt = -1;
    private boolean afterWrite;

    CrashingSysfs(Sysfs delegate) {
        this.delegate = delegate;
    }

    /** Crash at the {@code n}-th write from now (1-based), before or after it reaches the kernel. */
    void crashAt(int n, boolean after) {
        crashAt = writes + n;
        afterWrite = after;
    }

    void disarm() {
        crashAt = -1;
    }

    int writes() {
        return writes;
    }

    /** Paths written so far, in order. */
    List<String> written() {
        return List.copyOf(written);
    }

    @Override
    public String read(String path) throws SysfsException {
        return delegate.read(path);
    }

    @Override
    public void write(String path, String value) throws SysfsException {
        writes++;
        boolean crashHere = writes == crashAt;
        if (crashHere && !afterWrite) {
            crashAt = -1;
            throw new Crash("before writing " + path);
        }
        written.add(path);
        delegate.write(path, value);
        if (crashHere) {
            crashAt = -1;
            throw new Crash("after writing " + path);
        }
    }

    @Override
    public List<String> list(String path) throws SysfsException {
        return delegate.list(path);
    }

    @Override
    public boolean exists(String path) throws SysfsException {
        return delegate.exists(path);
    }

    @Override
    public Optional<String> readLink(String path) throws SysfsException {
        return delegate.readLink(path);
    }
}
