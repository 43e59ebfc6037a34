package dev.apqn.apbus.sim;

import dev.apqn.ap.ApMask;

/**
 * The number and id-list syntax of profiles. Numbers are decimal unless written {@code 0x..}; a
 * leading 0 is decimal, not octal (unlike YAML 1.1 and the kernel's {@code %i}), so a zero-padded
 * id such as {@code 08} means what it looks like.
 */
final class ProfileIdSets {

    /** How to write an id set, appended to every id-set problem. */
    static final String ID_SYNTAX = "write ids and ranges like \"0-15,32\" or \"0x03-0x06\", or a YAML list like [3, 4, \"8-11\"]";

    private ProfileIdSets() {
    }

    /** See {@link MachineProfiles#parseIds}. */
    static ApMask parseIds(String text) {
        ApMask acc = ApMask.none();
        if (text == null || text.isBlank()) {
            return acc;
        }
        for (String raw : text.split(",", -1)) {
            String item = raw.strip();
            if (item.isEmpty()) {
                throw new IllegalArgumentException("an empty item between commas");
            }
            // from index 1: a leading '-' is part of the number (and then rejected), not a range
            int dash = item.indexOf('-', 1);
            String first = dash < 0 ? item : item.substring(0, dash).strip();
            String last = dash < 0 ? item : item.substring(dash + 1).strip();
            int from = id(first);
            int to = id(last);
            if (from > to) {
                throw new IllegalArgumentException("range " + item + " starts above its end");
            }
            acc = acc.or(ApMask.fromRange(from, to));
        }
        return acc;
    }

    private static int id(String s) {
        Long v = parseNumber(s);
        if (v == null) {
            throw new IllegalArgumentException(ProfileText.quote(s) + " is not a number");
        }
        if (v > ApMask.MAX_ID) {
            throw new IllegalArgumentException(s + " is above 255, the largest AP number");
        }
        return v.intValue();
    }

    /** Decimal digits or 0x/0X + hex digits (underscores allowed as in YAML); null if not a number or too long. */
    static Long parseNumber(String s) {
        String t = s.replace("_", "");
        boolean hex = t.length() > 2 && (t.startsWith("0x") || t.startsWith("0X"));
        String digits = hex ? t.substring(2) : t;
        if (digits.isEmpty() || digits.length() > (hex ? 8 : 10) || !digits.chars().allMatch(c -> Character.digit(c, hex ? 16 : 10) >= 0)) {
            return null;
        }
        return Long.parseLong(digits, hex ? 16 : 10);
    }
}
