package dev.obdj.conformance;

import java.util.List;
import java.util.regex.Pattern;

/**
 * One numbered normative statement of the LSMT or ZFile format.
 *
 * @param id     stable id, e.g. {@code LSMT-HDR-1}, {@code ZF-CRC-2}
 * @param title  a few words
 * @param source where the statement comes from: the written spec's section, or the reference's
 *               behaviour as recorded in FORMAT-NOTES (section number)
 * @param text   the requirement, in our words
 * @param note   where the written spec and the reference disagree (the clause follows the
 *               reference's bytes), or where obdj is deliberately more lenient; empty if neither
 * @param fields the {@link dev.obdj.FormatException#field()} values by which obdj reports a
 *               violation of this clause ({@code *} stands for an index number)
 */
public record Clause(String id, String title, String source, String text, String note, List<String> fields) {

    /** True when obdj's error field {@code field} reports a violation of this clause. */
    public boolean matchesField(String field) {
        if (field == null) {
            return false;
        }
        for (String f : fields) {
            String re = Pattern.quote(f).replace("*", "\\E\\d+\\Q");
            if (Pattern.matches(re, field)) {
                return true;
            }
        }
        return false;
    }

    /** {@code LSMT} or {@code ZFile}. */
    public String format() {
        return id.startsWith("ZF-") ? "ZFile" : "LSMT";
    }
}
