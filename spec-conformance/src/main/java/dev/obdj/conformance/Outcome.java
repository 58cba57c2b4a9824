package dev.obdj.conformance;

/**
 * What an implementation answered to one operation.
 *
 * @param status  ok, rejected, or unsupported
 * @param message the error (first line of stderr for an adapter), or null
 * @param field   obdj's {@link dev.obdj.FormatException#field()} when known, else null
 */
public record Outcome(Status status, String message, String field) {
    public enum Status { OK, REJECTED, UNSUPPORTED, CRASHED }

    public static final Outcome OK = new Outcome(Status.OK, null, null);
}
