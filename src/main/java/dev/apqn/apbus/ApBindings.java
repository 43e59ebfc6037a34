package dev.apqn.apbus;

import dev.apqn.ap.ApSyntaxException;
import dev.apqn.ap.KernelNumbers;

/**
 * The AP bus {@code bindings} attribute: how many queue devices have a driver, out of how many,
 * and whether the kernel calls the bindings complete ({@code n/m (complete)}: at least one scan has
 * run and every queue device is bound). Counted over queue devices only (ap-bus.md §1.2).
 */
public record ApBindings(int bound, int total, boolean complete) {

    /**
     * Parses {@code 12/12 (complete)\n} or {@code 10/12\n}.
     *
     * @throws ApSyntaxException if the text has another shape
     */
    public static ApBindings parse(String text) {
        String s = text.strip();
        boolean complete = s.endsWith("(complete)");
        if (complete) {
            s = s.substring(0, s.length() - "(complete)".length()).strip();
        }
        int slash = s.indexOf('/');
        try {
            if (slash <= 0) {
                throw new NumberFormatException();
            }
            return new ApBindings(Integer.parseInt(s.substring(0, slash)), Integer.parseInt(s.substring(slash + 1)), complete);
        } catch (NumberFormatException e) {
            throw new ApSyntaxException("unexpected bindings text " + KernelNumbers.quoted(text)
                    + ": expected <bound>/<total> optionally followed by \" (complete)\"");
        }
    }

    /** The kernel's text without the trailing newline, e.g. {@code 12/12 (complete)}. */
    @Override
    public String toString() {
        return bound + "/" + total + (complete ? " (complete)" : "");
    }
}
