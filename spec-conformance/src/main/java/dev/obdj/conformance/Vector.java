package dev.obdj.conformance;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * One test vector of a clause: input files, an operation of the adapter protocol and the
 * expected outcome. The files are built on demand ({@link #build()}), so listing the catalogue is
 * cheap.
 *
 * @param id          unique id, {@code <clause>/<n>} or {@code corpus:<case>/<view>}
 * @param clause      the clause id
 * @param description what the vector does
 * @param kind        positive, negative, or lenient
 * @param op          the operation the runner invokes
 * @param build       makes the files and the expectation
 */
public record Vector(String id, String clause, String description, Kind kind, Operation op, Supplier<Built> build) {

    public enum Kind {
        /** The implementation must succeed and produce the expected bytes. */
        POSITIVE,
        /** The implementation must refuse the input. */
        NEGATIVE,
        /**
         * The reference refuses this input but the format defines its meaning: an implementation
         * may refuse it, and if it accepts it, it must produce the expected bytes.
         */
        LENIENT
    }

    /** An input file: bytes to write into the vector's directory, or an existing file. */
    public record Input(String name, byte[] bytes, Path path) {
        public static Input of(String name, byte[] bytes) {
            return new Input(name, bytes, null);
        }

        public static Input file(Path p) {
            return new Input(p.getFileName().toString(), null, p);
        }
    }

    /**
     * Files and expectation.
     *
     * @param inputs      input files, in protocol order (layers lowest first; DATA then INDEX)
     * @param options     the OPTIONS word of zfile-compress, else null
     * @param outSha256   expected sha256 of OUT (null when only the content is checked)
     * @param outSize     expected size of OUT (-1 when not checked)
     * @param contentSha  for written files: sha256 of what OUT shows when read by obdj's strict
     *                    reader (a commit's virtual disk, a ZFile's original bytes); else null
     * @param contentSize size of that content
     */
    public record Built(List<Input> inputs, String options, String outSha256, long outSize, String contentSha,
                        long contentSize) {
        public static Built reject(List<Input> inputs) {
            return new Built(inputs, null, null, -1, null, -1);
        }

        public static Built output(List<Input> inputs, byte[] expected) {
            return new Built(inputs, null, VectorBuilder.sha256(expected), expected.length, null, -1);
        }
    }
}
