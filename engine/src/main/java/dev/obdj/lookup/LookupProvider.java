package dev.obdj.lookup;

import dev.obdj.UsageException;

import java.lang.management.ManagementFactory;
import java.util.Optional;

/**
 * Picks the lookup path once per process, in the manner of Lucene's VectorizationProvider: the
 * Vector API tree when the incubator module is readable, C2 is on and the preferred vector width
 * is at least 256 bits; else the plain-Java tree. Logs one line saying which path it took and, on
 * a fallback, which flag is missing. {@code -Dobdj.lookup=vector512|vector256|scalar|binary}
 * forces a path.
 *
 * <p>Nothing here touches a Vector API type: {@link VectorConstants} loads only after the module
 * check has passed.
 */
final class LookupProvider {
    /** System property forcing a path. */
    static final String PROPERTY = "obdj.lookup";
    private static final String MODULE = "jdk.incubator.vector";
    private static final System.Logger LOG = System.getLogger("dev.obdj.lookup");

    private static final LookupPath PATH = choose();

    private LookupProvider() {}

    /** The path chosen at startup. */
    static LookupPath path() {
        return PATH;
    }

    /** The kernel for a tree path; a vector path only when the Vector API is usable here. */
    static TreeSearch kernel(LookupPath path) {
        if (path.isVector()) {
            String missing = vectorUnavailable();
            if (missing != null) {
                throw new UsageException(path.property() + " lookup is unavailable: " + missing);
            }
        }
        return switch (path) {
            case VECTOR512 -> VectorTreeSearch.W512.INSTANCE;
            case VECTOR256 -> VectorTreeSearch.W256.INSTANCE;
            case SCALAR -> ScalarTreeSearch.INSTANCE;
            case BINARY -> throw new AssertionError("binary search has no tree kernel");
        };
    }

    private static LookupPath choose() {
        String forcedName = System.getProperty(PROPERTY);
        LookupPath forced = null;
        if (forcedName != null) {
            forced = LookupPath.byProperty(forcedName);
            if (forced == null) {
                LOG.log(System.Logger.Level.WARNING, "lookup: ignoring unknown -D" + PROPERTY + "=" + forcedName
                        + " (expected vector512, vector256, scalar or binary)");
            }
        }
        if (forced != null && !forced.isVector()) {
            LOG.log(System.Logger.Level.INFO, "lookup: " + forced.property() + " (forced by -D" + PROPERTY + ")");
            return forced;
        }
        String missing = vectorUnavailable();
        if (missing != null) {
            LOG.log(System.Logger.Level.WARNING, "lookup: scalar B+tree, Vector API not used: " + missing);
            return LookupPath.SCALAR;
        }
        int bits = VectorConstants.preferredBits();
        if (forced != null) {
            LOG.log(System.Logger.Level.INFO, "lookup: " + forced.property() + " (forced by -D" + PROPERTY
                    + "; preferred vector width " + bits + " bits)");
            return forced;
        }
        if (bits >= 512) {
            LOG.log(System.Logger.Level.INFO, "lookup: vector512 B+tree (Vector API, preferred width " + bits + " bits)");
            return LookupPath.VECTOR512;
        }
        if (bits >= 256) {
            LOG.log(System.Logger.Level.INFO, "lookup: vector256 B+tree (Vector API, preferred width " + bits + " bits)");
            return LookupPath.VECTOR256;
        }
        LOG.log(System.Logger.Level.WARNING, "lookup: scalar B+tree, Vector API not used: preferred vector width is "
                + bits + " bits (need 256; check -XX:UseAVX and -XX:MaxVectorSize)");
        return LookupPath.SCALAR;
    }

    /** Why the Vector API path cannot be used here, naming the flag, or null when it can. */
    static String vectorUnavailable() {
        Optional<Module> module = ModuleLayer.boot().findModule(MODULE);
        if (module.isEmpty()) {
            return "module " + MODULE + " is not readable; pass --add-modules " + MODULE;
        }
        LookupProvider.class.getModule().addReads(module.get());
        String info = System.getProperty("java.vm.info", "");
        if (info.contains("interpreted mode")) {
            return "the JIT is off; remove -Xint";
        }
        if (info.contains("emulated-client")) {
            return "C2 is off; remove -XX:TieredStopAtLevel (or set it to 4)";
        }
        String c2Off = c2OffByFlags();
        if (c2Off != null) {
            return c2Off;
        }
        return null;
    }

    /** Flags that keep C2 away without showing in {@code java.vm.info}; null if none or unknown. */
    private static String c2OffByFlags() {
        try {
            var hs = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            if (hs == null) {
                return null;
            }
            if ("false".equals(hs.getVMOption("UseCompiler").getValue())) {
                return "the JIT is off; remove -XX:-UseCompiler";
            }
            boolean tiered = "true".equals(hs.getVMOption("TieredCompilation").getValue());
            int stop = Integer.parseInt(hs.getVMOption("TieredStopAtLevel").getValue());
            if (tiered && stop < 4) {
                return "C2 is off; remove -XX:TieredStopAtLevel=" + stop + " (or set it to 4)";
            }
            return null;
        } catch (RuntimeException | LinkageError e) {
            return null; // not HotSpot, or java.management left out of the runtime image: trust vm.info
        }
    }
}
