package dev.obdj.conformance;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.util.Arrays;

/**
 * Test fixtures behind the adapter protocol: {@code BrokenAdapter flip OP ARGS...} runs obdj and then
 * flips one byte in the middle of its output (appends one to an empty output);
 * {@code BrokenAdapter readonly OP ARGS...} answers "unsupported" to the writer operations.
 */
public final class BrokenAdapter {
    private BrokenAdapter() {}

    public static void main(String[] args) throws IOException {
        String mode = args[0];
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        Operation op = Operation.of(rest[0]);
        if (mode.equals("readonly") && op != null && op.writes()) {
            System.exit(ObdjAdapter.EXIT_UNSUPPORTED);
        }
        int code = ObdjAdapter.run(rest);
        if (code == 0 && mode.equals("flip")) {
            String out = op == Operation.FLATTEN || op == Operation.FLATTEN_RW ? rest[1] : rest[rest.length - 1];
            try (RandomAccessFile f = new RandomAccessFile(out, "rw")) {
                long n = f.length();
                if (n == 0) {
                    f.write(1);
                } else {
                    f.seek(n / 2);
                    int b = f.read();
                    f.seek(n / 2);
                    f.write(b ^ 0x01);
                }
            }
        }
        System.exit(code);
    }
}
