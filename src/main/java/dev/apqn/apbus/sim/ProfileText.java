package dev.apqn.apbus.sim;

/** How profile problems name fields and values, so every message reads the same way. */
final class ProfileText {

    private ProfileText() {
    }

    /** The YAML path of {@code field} inside {@code parent} ({@code ""} = top level). */
    static String join(String parent, String field) {
        return parent.isEmpty() ? field : parent + "." + field;
    }

    /** A path as shown in a message: the top level has no path of its own. */
    static String label(String path) {
        return path.isEmpty() ? "(top level)" : path;
    }

    /** A value as the user wrote it, quoted and escaped so blanks and newlines are visible. */
    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
