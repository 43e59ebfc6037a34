package dev.apqn.apbus;

import com.sun.jna.LastErrorException;
import com.sun.jna.NativeLong;
import dev.apqn.ap.Errno;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;

/** {@link FileSysfsIo} over libc's open/read/write/close: the errno arrives as a number. */
final class FileSysfsNativeIo implements FileSysfsIo {

    private static final int CHUNK = 8192;

    private final Libc libc;

    FileSysfsNativeIo(Libc libc) {
        this.libc = libc;
    }

    @Override
    public byte[] read(Path file) throws LibcError {
        int fd = open(file, Libc.O_RDONLY | Libc.O_CLOEXEC);
        try {
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            byte[] buffer = new byte[CHUNK];
            while (true) {
                int n = libc.read(fd, buffer, new NativeLong(buffer.length)).intValue();
                if (n == 0) {
                    return content.toByteArray();
                }
                content.write(buffer, 0, n);
            }
        } catch (LastErrorException e) {
            throw error(e);
        } finally {
            closeQuietly(fd);
        }
    }

    @Override
    public int write(Path file, byte[] value) throws LibcError {
        // O_TRUNC: harmless on sysfs, and makes a regular file in a test tree hold exactly the value.
        int fd = open(file, Libc.O_WRONLY | Libc.O_TRUNC | Libc.O_CLOEXEC);
        try {
            return libc.write(fd, value, new NativeLong(value.length)).intValue();
        } catch (LastErrorException e) {
            throw error(e);
        } finally {
            closeQuietly(fd);
        }
    }

    private int open(Path file, int flags) throws LibcError {
        try {
            return libc.open(file.toString(), flags);
        } catch (LastErrorException e) {
            throw error(e);
        }
    }

    private void closeQuietly(int fd) {
        try {
            libc.close(fd);
        } catch (LastErrorException e) {
            // sysfs reports store errors from write(), never from close(); nothing left to learn here.
        }
    }

    private LibcError error(LastErrorException e) {
        int errno = e.getErrorCode();
        return new LibcError(errno, Errno.ofNumber(errno).map(Errno::strerror).orElseGet(() -> libc.strerror(errno)));
    }

    @Override
    public String toString() {
        return "libc";
    }
}
