package dev.obdj.bench;

import dev.obdj.Image;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.management.ObjectName;

/**
 * B5's memory figure: what one {@link Image#open} of a large layer adds to the process, run in a
 * fresh JVM per measurement. Prints, before and after the open, {@code VmRSS}, {@code VmHWM},
 * {@code RssAnon} (private memory) and {@code RssFile} (mapped file pages, shared with the page
 * cache) from {@code /proc/self/status}, heap used, the direct and mapped buffer pools, and, when
 * the JVM runs with {@code -XX:NativeMemoryTracking=summary}, NMT's committed total.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *      -cp bench/target/benchmarks.jar dev.obdj.bench.OpenFootprint 999936 [--preload]
 * </pre>
 * The argument is the B5 entry count (999936 or 2000000) or a layer path. {@code --preload} first
 * opens and closes a 256-entry layer of the same recipe, so that the JVM's one-time class loading
 * and linking of the open path (FFM, mapping) is not counted.
 * The file is read once before the "before" snapshot, so its pages are in the page cache.
 */
public final class OpenFootprint {
    private OpenFootprint() {}

    public static void main(String[] args) throws Exception {
        String what = args.length > 0 ? args[0] : Integer.toString(AnchorData.B5_ENTRIES);
        boolean preload = List.of(args).contains("--preload");
        Path file = what.matches("\\d+") ? AnchorData.b5Layer(Integer.parseInt(what)) : Path.of(what);
        AnchorData.warmPageCache(file);
        if (preload) {
            Image.open(List.of(AnchorData.b5Layer(AnchorData.B5_TINY_ENTRIES))).close();
        }
        snapshot(); // the first call loads and starts the management beans: keep that out of the figures
        Map<String, Long> before = snapshot();
        var threads = ManagementFactory.getThreadMXBean();
        long c0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        Image img = Image.open(List.of(file));
        long t1 = System.nanoTime();
        long c1 = threads.getCurrentThreadCpuTime();
        Map<String, Long> after = snapshot();
        // Thread CPU time beside wall time: on a loaded machine it is the steadier of the two.
        System.out.printf("file %s (%d bytes), %d index entries, open %.2f ms wall, %.2f ms cpu%s%n", file,
                Files.size(file), img.indexEntries(), (t1 - t0) / 1e6, (c1 - c0) / 1e6, preload ? " (after a preload open)" : " (first open in this JVM)");
        System.out.printf("%-22s %12s %12s %12s%n", "figure", "before KiB", "after KiB", "growth MiB");
        for (var e : before.entrySet()) {
            long b = e.getValue(), a = after.get(e.getKey());
            if (b < 0 || a < 0) {
                continue;
            }
            System.out.printf("%-22s %12d %12d %12.2f%n", e.getKey(), b >> 10, a >> 10, (a - b) / 1048576.0);
        }
        img.close();
    }

    /** Figures in bytes; -1 when unavailable. */
    static Map<String, Long> snapshot() throws IOException {
        Map<String, Long> m = new LinkedHashMap<>();
        Map<String, Long> status = procStatus();
        for (String k : List.of("VmRSS", "VmHWM", "RssAnon", "RssFile")) {
            m.put(k, status.getOrDefault(k, -1L));
        }
        m.put("heap used", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        for (BufferPoolMXBean p : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            m.put("pool " + p.getName(), p.getMemoryUsed());
        }
        m.put("NMT committed", nmtCommitted());
        return m;
    }

    private static Map<String, Long> procStatus() throws IOException {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            String[] kv = line.split(":\\s+");
            if (kv.length == 2 && kv[1].endsWith(" kB")) {
                m.put(kv[0], Long.parseLong(kv[1].substring(0, kv[1].length() - 3).trim()) << 10);
            }
        }
        return m;
    }

    /** NMT's "Total: reserved=..., committed=..." in bytes, or -1 when NMT is off. */
    private static long nmtCommitted() {
        try {
            Object out = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                    new Object[] {new String[] {"summary", "scale=KB"}}, new String[] {String[].class.getName()});
            var mt = java.util.regex.Pattern.compile("Total: reserved=\\d+KB, committed=(\\d+)KB").matcher(out.toString());
            return mt.find() ? Long.parseLong(mt.group(1)) << 10 : -1;
        } catch (Exception e) {
            return -1;
        }
    }
}
