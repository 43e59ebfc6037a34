package dev.apqn.apbus;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@link FileSysfsIo} for when JNA cannot load: Java I/O, with the errno recovered from the
 * exception (see {@link LibcError#of}); this only works while the JVM's messages are in English.
 */
final class FileSysfsJavaIo implements FileSysfsIo {

    @Override
    public byte[] read(Path file) throws LibcError {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw LibcError.of(e);
        }
    }

    @Override
    public int write(Path file, byte[] value) throws LibcError {
        // FileChannel.write issues a single write() for the whole buffer (it only repeats on EINTR),
        // unlike Files.write and OutputStreams, which loop until every byte is taken.
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            return channel.write(ByteBuffer.wrap(value));
        } catch (IOException e) {
            throw LibcError.of(e);
        }
    }

    @Override
    public String toString() {
        return "java.nio";
    }
}
