package dev.obdj.cli;

import dev.obdj.registry.BlobCache;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** {@code obd cache stats|clear --dir DIR}: usage of a registry blob cache directory, or emptying it. */
final class CacheCommand implements Command {
    @Override
    public String name() { return "cache"; }

    @Override
    public String usage() {
        return "cache (stats | clear) --dir DIR [--json]   blobs, units and bytes held by a registry cache directory; clear removes them";
    }

    @Override
    public int run(List<String> argv, PrintStream out, PrintStream err) throws UsageError {
        Args a = new Args(argv);
        String dir = a.value("--dir");
        boolean json = a.flag("--json");
        List<String> words = a.positionals();
        if (words.size() != 1 || !(words.get(0).equals("stats") || words.get(0).equals("clear"))) {
            throw new UsageError("expected 'stats' or 'clear'");
        }
        if (dir == null) {
            throw new UsageError("--dir DIR is required");
        }
        Path d = Path.of(dir);
        if (words.get(0).equals("clear")) {
            int n = BlobCache.clear(d);
            out.println(json ? "{\"removed_blobs\":" + n + "}" : "removed " + n + " cached blob(s) from " + d);
            return 0;
        }
        BlobCache.Stats s = BlobCache.stats(d);
        int complete = 0;
        long completeBytes = 0;
        if (java.nio.file.Files.isDirectory(d)) { // whole verified copies left by the background download
            try (var ds = java.nio.file.Files.newDirectoryStream(d, "*.blob")) {
                for (Path b : ds) {
                    complete++;
                    completeBytes += java.nio.file.Files.size(b);
                }
            } catch (java.io.IOException e) {
                throw new dev.obdj.StorageException(d.toString(), "list cache", e);
            }
        }
        if (json) {
            Json j = new Json();
            j.begin();
            j.field("dir", d.toString());
            j.field("blobs", s.blobs());
            j.field("units", s.units());
            j.field("bytes", s.bytes());
            j.field("downloaded_blobs", complete);
            j.field("downloaded_bytes", completeBytes);
            j.end();
            out.println(j);
        } else {
            out.println("dir: " + d + "\nblobs: " + s.blobs() + "\nunits: " + s.units() + "\nbytes: " + s.bytes()
                    + "\ndownloaded: " + complete + " whole blob(s), " + completeBytes + " bytes");
        }
        return 0;
    }
}
