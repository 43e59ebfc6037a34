package dev.apqn.cli;

import java.util.List;

/**
 * Word wrapping for long sentences, continuation lines indented under the first line's text. A kubectl
 * command at the end of a sentence (the controller's messages end with one) gets a line of its own and is
 * never broken, so it can be copied as it is.
 */
final class Wrap {

    private static final String COMMAND = "kubectl ";

    private Wrap() {
    }

    /** Adds {@code prefix + text} to {@code out}, wrapped at spaces to {@code width}. */
    static void add(List<String> out, String prefix, String text, int width) {
        String indent = " ".repeat(prefix.length());
        int found = text.indexOf(" " + COMMAND);
        int command = text.startsWith(COMMAND) ? 0 : found < 0 ? -1 : found + 1;
        String sentence = command < 0 ? text.strip() : text.substring(0, command).strip();
        String lead = prefix;
        if (!sentence.isEmpty()) {
            int room = Math.max(20, width - prefix.length());
            String rest = sentence;
            while (rest.length() > room) {
                int cut = rest.lastIndexOf(' ', room);
                if (cut <= 0) {
                    cut = rest.indexOf(' ', room);
                    if (cut < 0) {
                        break;
                    }
                }
                out.add((lead + rest.substring(0, cut)).stripTrailing());
                rest = rest.substring(cut + 1).strip();
                lead = indent;
            }
            out.add((lead + rest).stripTrailing());
            lead = indent;
        }
        if (command >= 0) {
            out.add(lead + text.substring(command).strip());
        }
    }
}
