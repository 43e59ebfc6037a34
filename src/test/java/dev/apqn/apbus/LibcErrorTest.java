package dev.apqn.apbus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apqn.ap.Errno;
import dev.apqn.apbus.SysfsException.Operation;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import org.junit.jupiter.api.Test;

/** The fallback without JNA: recovering the errno from Java's exceptions. */
class LibcErrorTest {

    @Test
    void nioNamesSomeErrnosByExceptionType() {
        assertThat(LibcError.of(new NoSuchFileException("/x")).errno()).contains(Errno.ENOENT);
        assertThat(LibcError.of(new AccessDeniedException("/x")).errno()).contains(Errno.EACCES);
        assertThat(LibcError.of(new NotDirectoryException("/x")).errno()).contains(Errno.ENOTDIR);
    }

    @Test
    void otherErrnosAreReadFromTheCLocaleText() {
        assertThat(LibcError.of(new FileSystemException("/x", null, "Is a directory")).errno()).contains(Errno.EISDIR);
        assertThat(LibcError.of(new IOException("Address already in use")).errno()).contains(Errno.EADDRINUSE);
        assertThat(LibcError.of(new FileNotFoundException("/sys/x (Read-only file system)")).errno()).contains(Errno.EROFS);
    }

    @Test
    void anErrnoWeDoNotKnowBecomesEioAndKeepsTheKernelsWords() {
        SysfsException e = new LibcError(28, "No space left on device").toSysfsException(Operation.WRITE, "/sys/x", "1\n");
        assertThat(e.errno()).isEqualTo(Errno.EIO);
        assertThat(e).hasMessageContaining("errno 28 (No space left on device)");

        SysfsException text = LibcError.of(new IOException("Keine Berechtigung")).toSysfsException(Operation.READ, "/sys/x", null);
        assertThat(text.errno()).isEqualTo(Errno.EIO);
        assertThat(text).hasMessageContaining("Keine Berechtigung");
    }
}
