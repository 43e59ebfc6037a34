package dev.apqn.cli;

/** Quoting for the shell commands the plugin prints. */
final class Shell {

    private Shell() {
    }

    /** The word as is when the shell takes it literally, else in single quotes. */
    static String quote(String word) {
        if (!word.isEmpty() && word.matches("[A-Za-z0-9_./:=@%+-]+")) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
