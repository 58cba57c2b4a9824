package dev.obdj.cli;

import java.util.ArrayList;
import java.util.List;

/** A small argument cursor: flags with and without values, then positionals. */
final class Args {
    private final List<String> rest;

    Args(List<String> args) {
        this.rest = new ArrayList<>(args);
    }

    /** Removes {@code flag} if present. */
    boolean flag(String flag) {
        return rest.remove(flag);
    }

    /** Removes {@code flag VALUE} and returns VALUE, or null when the flag is absent. */
    String value(String flag) throws UsageError {
        int i = rest.indexOf(flag);
        if (i < 0) {
            return null;
        }
        if (i + 1 >= rest.size()) {
            throw new UsageError(flag + " needs a value");
        }
        rest.remove(i);
        return rest.remove(i);
    }

    /** Removes {@code flag A B} and returns [A, B], or null when absent. */
    String[] pair(String flag) throws UsageError {
        int i = rest.indexOf(flag);
        if (i < 0) {
            return null;
        }
        if (i + 2 >= rest.size()) {
            throw new UsageError(flag + " needs two values");
        }
        rest.remove(i);
        return new String[] {rest.remove(i), rest.remove(i)};
    }

    /** The remaining words; any that still start with "--" are unknown options. */
    List<String> positionals() throws UsageError {
        for (String s : rest) {
            if (s.startsWith("--") || (s.startsWith("-") && s.length() > 1)) {
                throw new UsageError("unknown option " + s);
            }
        }
        return rest;
    }
}
