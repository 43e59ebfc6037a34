package dev.apqn.cli;

/** A command line the plugin cannot run (exit code 2, with the usage). */
final class UsageException extends Exception {

    UsageException(String message) {
        super(message);
    }
}
