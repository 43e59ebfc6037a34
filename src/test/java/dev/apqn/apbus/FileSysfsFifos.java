package dev.apqn.apbus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Named pipes: a read with no writer, or a write with no reader, blocks like a hung device. */
final class FileSysfsFifos {

    private FileSysfsFifos() {
    }

    static Path mkfifo(Path path) throws IOException, InterruptedException {
        Files.createDirectories(path.getParent());
        Process mkfifo = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        if (mkfifo.waitFor() != 0) {
            throw new IOException("mkfifo " + path + " failed");
        }
        return path;
    }

    /** Opens the FIFO for reading (waiting for a writer) and reads until the writer closes. */
    static String readAll(Path fifo) {
        try {
            return Files.readString(fifo);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
