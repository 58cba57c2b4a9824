package dev.obdj.lsmt;

import dev.obdj.ExtentVisitor;
import dev.obdj.UsageException;
import dev.obdj.io.ByteSource;
import dev.obdj.io.Zeros;
import dev.obdj.lookup.BinarySearchLookup;
import dev.obdj.lookup.Lookups;
import dev.obdj.lookup.RangeLookup;
import dev.obdj.lookup.SegmentLookup;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A stack of read-only LSMT layers, lowest first, with an optional RW layer on top, read as one
 * virtual disk through a merged index built once at open. Reads take any byte offset and length
 * inside the virtual size, copy into the caller's segment, and are safe from many threads.
 *
 * <p>Tags follow the reference: RO layer at depth d (0 = topmost RO layer) has tag d, the RW layer
 * has tag N (the number of RO layers).
 */
public final class LayerStack implements AutoCloseable {
    /** The reference's limit on read-only layers in one stack. */
    public static final int MAX_LAYERS = 255;

    private final List<SealedLayer> lowers;
    private final RwLayerView rw;
    private final List<ByteSource> owned;
    private final ByteSource[] byTag;
    private final MappingTable index;
    private final boolean ownsIndex;
    private volatile SegmentLookup lookup;
    private final Thread treeBuilder; // builds the B+tree after open; null when there is none to build
    private boolean closing;
    private final long virtualSize;

    private LayerStack(List<SealedLayer> lowers, RwLayerView rw, List<ByteSource> owned, ByteSource[] byTag,
                       MappingTable index, boolean ownsIndex, long virtualSize) {
        this.lowers = lowers;
        this.rw = rw;
        this.owned = owned;
        this.byTag = byTag;
        this.index = index;
        this.ownsIndex = ownsIndex;
        this.virtualSize = virtualSize;
        long n = index.count();
        // Open stays as cheap as checking the index: reads start on binary search over the entries
        // in place, and switch to the B+tree once a background thread has built it. With a builder,
        // even the binary search is made on the first read (lookupNow): an index in place in a
        // file is mapped on first use, and the builder normally gets there first.
        // Only the entry count is looked at here: choosing the kernel loads the Vector API and the
        // logger, which a fresh JVM pays for in tens of milliseconds, so the builder thread does it.
        if (n >= Lookups.MIN_TREE_ENTRIES) {
            this.treeBuilder = startBuilder();
        } else {
            this.lookup = new BinarySearchLookup(index.entries(), n);
            this.treeBuilder = null;
        }
    }

    /** A plain thread on a named Runnable: no builder or lambda classes to load and spin on the open path. */
    private Thread startBuilder() {
        Thread t = new Thread(new TreeBuild(this), "obdj-lookup-build");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static final class TreeBuild implements Runnable {
        private final LayerStack stack;

        TreeBuild(LayerStack stack) {
            this.stack = stack;
        }

        @Override
        public void run() {
            stack.buildTree();
        }
    }

    private void buildTree() {
        SegmentLookup tree;
        try {
            if (!Lookups.usesTree(index.count())) {
                initialLookup(); // binary search in place is the chosen path: set it up off the read path
                return;
            }
            tree = Lookups.forEntries(index.entries(), index.count());
        } catch (RuntimeException | OutOfMemoryError e) {
            System.getLogger(LayerStack.class.getName()).log(System.Logger.Level.WARNING,
                    "lookup tree not built, staying on binary search: " + e);
            return;
        }
        synchronized (this) {
            if (closing) {
                tree.close();
                return;
            }
            lookup = tree;
        }
    }

    /** Waits until the background lookup build (if any) is done; for tests and benchmarks. */
    public SegmentLookup awaitLookup() {
        joinBuilder();
        return lookupNow();
    }

    private void joinBuilder() {
        if (treeBuilder != null) {
            SealedLayer.joinUninterruptibly(treeBuilder);
        }
    }

    /**
     * Opens a stack. The stack takes ownership of every source, also when opening fails.
     *
     * @param lowersBottomFirst read-only layer sources, lowest first (may be empty if an RW pair is given)
     * @param rwData            RW data file, or null
     * @param rwIndex           RW index file, or null (both or neither)
     */
    public static LayerStack open(List<ByteSource> lowersBottomFirst, ByteSource rwData, ByteSource rwIndex) {
        List<ByteSource> owned = new ArrayList<>(lowersBottomFirst);
        if (rwData != null) owned.add(rwData);
        if (rwIndex != null) owned.add(rwIndex);
        List<SealedLayer> opened = new ArrayList<>();
        RwLayerView rw = null;
        try {
            int n = lowersBottomFirst.size();
            if (n > MAX_LAYERS) {
                throw new UsageException("a stack holds at most " + MAX_LAYERS + " read-only layers, got " + n);
            }
            if ((rwData == null) != (rwIndex == null)) {
                throw new UsageException("an RW layer needs both its data file and its index file");
            }
            if (n == 0 && rwData == null) {
                throw new UsageException("a stack needs at least one layer");
            }
            for (ByteSource s : lowersBottomFirst) {
                opened.add(SealedLayer.open(s));
            }
            if (rwData != null) {
                rw = RwLayerView.open(rwData, rwIndex);
            }
            long vsize = 0;
            for (int i = n - 1; i >= 0 && vsize == 0; i--) {
                vsize = opened.get(i).virtualSize();
            }
            if (rw != null && rw.virtualSize() != 0) {
                vsize = rw.virtualSize();
            }
            ByteSource[] byTag = new ByteSource[n + (rw != null ? 1 : 0)];
            int levels = byTag.length;
            MappingTable[] tables = new MappingTable[levels];
            int[] tags = new int[levels];
            int lv = 0;
            if (rw != null) {
                byTag[n] = rw.data();
                tables[lv] = rw.index();
                tags[lv++] = n;
            }
            for (int d = 0; d < n; d++) { // depth 0 = topmost RO layer
                SealedLayer l = opened.get(n - 1 - d);
                byTag[d] = l.source();
                tables[lv] = l.index();
                tags[lv++] = d;
            }
            MappingTable merged;
            boolean ownsIndex;
            if (levels == 1) {
                merged = tables[0];
                ownsIndex = false;
            } else {
                merged = IndexMerge.merge(tables, tags);
                ownsIndex = true;
            }
            return new LayerStack(List.copyOf(opened), rw, List.copyOf(owned), byTag, merged, ownsIndex, vsize);
        } catch (RuntimeException e) {
            opened.forEach(SealedLayer::close);
            if (rw != null) rw.close();
            owned.forEach(ByteSource::close);
            throw e;
        }
    }

    /** Size of the virtual disk in bytes. */
    public long virtualSize() { return virtualSize; }

    /** The merged index. */
    public MappingTable index() { return index; }

    /** The read-only layers, lowest first. */
    public List<SealedLayer> lowers() { return lowers; }

    /** The RW layer, or null. */
    public RwLayerView rw() { return rw; }

    /** The layer sources by tag (depth from the top; the RW layer's data file last). */
    public ByteSource[] sources() { return byTag.clone(); }

    /** The lookup serving reads. */
    public SegmentLookup lookup() { return lookupNow(); }

    private SegmentLookup lookupNow() {
        SegmentLookup l = lookup;
        return l != null ? l : initialLookup();
    }

    /** Binary search in place, for reads that come before the builder is done. */
    private synchronized SegmentLookup initialLookup() {
        if (lookup == null) {
            lookup = new BinarySearchLookup(index.entries(), index.count());
        }
        return lookup;
    }

    /**
     * The reference's {@code lookup}: the merged mappings intersecting sectors
     * {@code [sector, sector + sectors)}, in order, at most {@code max}, first and last trimmed to
     * the range, written to {@code out} as (lo, hi) word pairs with their stack tags. Allocation-free.
     *
     * @return how many mappings were written; {@code max} means there may be more
     */
    public int lookup(long sector, long sectors, long[] out, int max) {
        int k = RangeLookup.lookup(lookupNow(), index.entries(), index.count(), sector, sectors, out, max);
        for (int i = 0; i < k; i++) {
            out[2 * i + 1] = index.tagged(out[2 * i + 1]);
        }
        return k;
    }

    /**
     * Copies {@code length} bytes of the virtual disk at {@code offset} into {@code dst} at
     * {@code dstOffset}. Holes and zeroed ranges read as zeros.
     *
     * @throws UsageException when the range is not inside {@code [0, virtualSize())}
     */
    public void read(long offset, MemorySegment dst, long dstOffset, long length) {
        checkRange(offset, length);
        long pos = offset;
        long end = offset + length;
        long delta = dstOffset - offset; // dst position = virtual position + delta
        long n = index.count();
        long i = firstFrom(offset >>> 9);
        while (pos < end) {
            if (i >= n) {
                Zeros.fill(dst, pos + delta, end - pos);
                return;
            }
            long lo = index.lo(i);
            long mStart = SegmentMapping.offset(lo) << 9;
            if (mStart >= end) {
                Zeros.fill(dst, pos + delta, end - pos);
                return;
            }
            if (mStart > pos) {
                Zeros.fill(dst, pos + delta, mStart - pos);
                pos = mStart;
            }
            long take = Math.min(SegmentMapping.end(lo) << 9, end) - pos;
            if (take > 0) {
                long hi = index.hi(i);
                if (SegmentMapping.zeroed(hi)) {
                    Zeros.fill(dst, pos + delta, take);
                } else {
                    byTag[SegmentMapping.tag(hi)].read((SegmentMapping.moffset(hi) << 9) + (pos - mStart), dst, pos + delta, take);
                }
                pos += take;
            }
            i++;
        }
    }

    /**
     * Where a walk over the merged index for {@code sector} starts: the lookup's scan bound when
     * it has one (mappings before the answer end at or before {@code sector}, so the walk skips
     * them: they have nothing to give), else the answer itself.
     */
    private long firstFrom(long sector) {
        SegmentLookup l = lookupNow();
        long from = l.scanFrom(sector);
        return from >= 0 ? from : l.firstEndingAfter(sector);
    }

    /** Reports the extents of {@code [offset, offset+length)} in order, adjacent ones of a kind unmerged. */
    public void forEachExtent(long offset, long length, ExtentVisitor visitor) {
        checkRange(offset, length);
        long pos = offset;
        long end = offset + length;
        long n = index.count();
        for (long i = firstFrom(offset >>> 9); pos < end && i < n; i++) {
            long lo = index.lo(i);
            long mStart = SegmentMapping.offset(lo) << 9;
            if (mStart >= end) {
                break;
            }
            if (mStart > pos) {
                visitor.extent(pos, mStart - pos, ExtentVisitor.Kind.HOLE);
                pos = mStart;
            }
            long take = Math.min(SegmentMapping.end(lo) << 9, end) - pos;
            if (take > 0) {
                visitor.extent(pos, take, SegmentMapping.zeroed(index.hi(i)) ? ExtentVisitor.Kind.ZEROED : ExtentVisitor.Kind.DATA);
                pos += take;
            }
        }
        if (pos < end) {
            visitor.extent(pos, end - pos, ExtentVisitor.Kind.HOLE);
        }
    }

    private void checkRange(long offset, long length) {
        if (offset < 0 || length < 0 || offset > virtualSize || length > virtualSize - offset) {
            throw new UsageException("read of " + length + " bytes at offset " + offset
                    + " is outside the virtual disk [0, " + virtualSize + ")");
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closing = true;
        }
        joinBuilder(); // the builder reads the index: it must be done before the index goes away
        if (lookup != null) {
            lookup.close();
        }
        if (ownsIndex) {
            index.close();
        }
        lowers.forEach(SealedLayer::close);
        if (rw != null) {
            rw.close();
        }
        owned.forEach(ByteSource::close);
    }
}
