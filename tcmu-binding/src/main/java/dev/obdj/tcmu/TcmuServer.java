package dev.obdj.tcmu;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Serves one TCMU backstore end to end: in create mode it makes the backstore and a tcm_loop LUN
 * through configfs and waits for the SCSI disk; in attach mode it takes over a backstore that
 * already exists (after a handler died, say), resetting its ring first. {@link #close} stops
 * serving, tears down what this server made (or everything, with {@code teardown} in attach mode)
 * and flushes and closes the image.
 */
public final class TcmuServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(TcmuServer.class.getName());

    /**
     * @param name        the backstore's name ({@code core/user_<hba>/<name>})
     * @param hba         the user HBA number
     * @param blockSize   logical block size for a new backstore
     * @param workers     worker threads (0: the ring thread executes commands)
     * @param attach      serve an existing backstore instead of creating one
     * @param teardown    in attach mode: remove the backstore and its LUNs on close
     * @param readOnly    serve read-only even when the image has a writable top
     * @param cmdTimeOut  the kernel's per-command timeout for a new backstore, in seconds (0: none)
     * @param diskTimeoutMillis how long to wait for the SCSI disk to appear
     */
    public record Options(String name, int hba, int blockSize, int workers, boolean attach, boolean teardown,
                          boolean readOnly, int cmdTimeOut, long diskTimeoutMillis) {}

    private final Options options;
    private final ConfigFs cfs;
    private final BlockBackend backend;
    private final UioDevice uio;
    private final TcmuHandler handler;
    private final Thread thread;
    private final Path backstore;
    private final boolean created;
    private ConfigFs.Loopback loopback;
    private Path disk;
    private boolean closed;

    private TcmuServer(Options options, ConfigFs cfs, BlockBackend backend, UioDevice uio, TcmuHandler handler,
                       Path backstore, boolean created) {
        this.options = options;
        this.cfs = cfs;
        this.backend = backend;
        this.uio = uio;
        this.handler = handler;
        this.backstore = backstore;
        this.created = created;
        this.thread = Thread.ofPlatform().name("tcmu-ring-" + options.name()).unstarted(this::serve);
    }

    private void serve() {
        try {
            handler.run();
        } catch (RuntimeException e) {
            LOG.severe("serving " + options.name() + " stopped: " + e);
        }
    }

    /**
     * Starts serving. {@code config} is the image to serve in create mode; in attach mode, null
     * means the backstore's own config string.
     */
    public static TcmuServer start(Options o, DeviceConfig config, ConfigFs cfs, Path sysClassUio, Path devDir)
            throws InterruptedException {
        cfs.requireModules();
        Path backstore = cfs.backstore(o.hba(), o.name());
        BlockBackend backend = null;
        UioDevice uio = null;
        boolean created = false;
        try {
            if (!o.attach()) {
                backend = config.open(o.readOnly());
                cfs.createBackstore(o.hba(), o.name(), config.encode(), backend.size(), o.blockSize(), o.cmdTimeOut());
                created = true;
            } else if (!Files.isDirectory(backstore)) {
                throw new IllegalStateException(backstore + " does not exist: nothing to attach to");
            }
            UioDevice.Info info = awaitUio(sysClassUio, o, 5000);
            if (backend == null) {
                DeviceConfig dc = config != null ? config : DeviceConfig.parse(info.subtype(), info.config());
                backend = dc.open(o.readOnly());
            }
            uio = UioDevice.open(info, devDir);
            if (o.attach() && !cfs.resetRing(backstore)) {
                LOG.warning("no action/reset_ring: commands a previous handler left in the ring are taken as new");
            }
            int blockSize = (int) cfs.attrib(backstore, "hw_block_size");
            long devSize = cfs.attrib(backstore, "dev_size");
            if (devSize != backend.size()) {
                LOG.warning("backstore dev_size " + devSize + " differs from the image's " + backend.size()
                        + " bytes; the image's size is reported");
            }
            int maxSectors = (int) cfs.attrib(backstore, "hw_max_sectors");
            ScsiTarget target = new ScsiTarget(backend, blockSize, maxSectors,
                    ScsiTarget.Identity.of("obdj-" + o.hba() + "-" + o.name()));
            TcmuHandler handler = new TcmuHandler(new Ring(uio.map()), uio, target, o.workers());
            TcmuServer s = new TcmuServer(o, cfs, backend, uio, handler, backstore, created);
            s.thread.start();
            try {
                if (created) {
                    s.loopback = cfs.createLoopback(backstore);
                    s.disk = cfs.awaitDisk(s.loopback, o.diskTimeoutMillis());
                } else {
                    List<ConfigFs.Loopback> ls = cfs.loopbacksOf(backstore);
                    for (ConfigFs.Loopback l : ls) {
                        Optional<Path> d = cfs.disk(l);
                        if (d.isPresent()) {
                            s.disk = d.get();
                            break;
                        }
                    }
                }
            } catch (RuntimeException | InterruptedException e) {
                s.close();
                throw e;
            }
            return s;
        } catch (RuntimeException | InterruptedException e) {
            if (uio != null) uio.close();
            if (created) cfs.removeBackstore(backstore);
            if (backend != null) backend.close();
            throw e;
        }
    }

    private static UioDevice.Info awaitUio(Path sysClassUio, Options o, long millis) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000;
        while (true) {
            Optional<UioDevice.Info> i = UioDevice.find(sysClassUio, o.name(), o.hba());
            if (i.isPresent() && i.get().mapSize() > 0) return i.get();
            if (System.nanoTime() > end) {
                throw new IllegalStateException("no /sys/class/uio device named tcm-user/" + o.hba() + "/" + o.name()
                        + " (is the backstore enabled?)");
            }
            Thread.sleep(20);
        }
    }

    /** The SCSI disk ({@code /dev/sdX}), when known. */
    public Optional<Path> disk() { return Optional.ofNullable(disk); }

    public UioDevice.Info uio() { return uio.info(); }

    public Path backstore() { return backstore; }

    public BlockBackend backend() { return backend; }

    public long completed() { return handler.completed(); }

    /** Waits until serving ends (device removed, or {@link #close}). */
    public void awaitStopped() throws InterruptedException {
        thread.join();
    }

    /**
     * Tears down in reverse: the LUN first (while still serving the SYNCHRONIZE CACHE the SCSI
     * layer sends as the disk goes away), then the handler, the uio mapping and the backstore;
     * the image is flushed and closed last.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        boolean removeAll = created || options.teardown();
        if (removeAll) {
            if (loopback != null) cfs.removeLoopback(loopback);
            for (ConfigFs.Loopback l : cfs.loopbacksOf(backstore)) cfs.removeLoopback(l);
        }
        handler.stop();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        uio.close();
        if (removeAll) cfs.removeBackstore(backstore);
        try {
            backend.flush();
        } finally {
            backend.close();
        }
    }

}
