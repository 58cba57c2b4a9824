package dev.obdj.io;

import dev.obdj.StorageException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * The few POSIX calls the JDK does not offer, bound once through FFM: {@code open}, {@code close},
 * {@code lseek} with SEEK_DATA/SEEK_HOLE (finding a sparse file's extents), {@code fallocate}
 * with PUNCH_HOLE (discarding in a sparse file) and {@code sync_file_range} (starting the
 * writeback of appended data early, so a later fdatasync waits only for the tail). {@code errno} is captured with each call and
 * turned into a {@link StorageException} naming the file and call. Linux only.
 */
public final class Posix {
    public static final int O_RDONLY = 0, O_RDWR = 2;
    public static final int SEEK_DATA = 3, SEEK_HOLE = 4;
    public static final int FALLOC_FL_KEEP_SIZE = 1, FALLOC_FL_PUNCH_HOLE = 2;
    /** {@code sync_file_range} flag: start writeback of the range's dirty pages, do not wait. */
    public static final int SYNC_FILE_RANGE_WRITE = 2;
    private static final int ENXIO = 6;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CCS = Linker.Option.captureCallState("errno");
    private static final SymbolLookup LIBC = LINKER.defaultLookup();

    private static final MethodHandle OPEN = bind("open",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT), true);
    private static final MethodHandle CLOSE = bind("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), false);
    private static final MethodHandle LSEEK = bind("lseek",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT), false);
    private static final MethodHandle FALLOCATE = bind("fallocate",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG), false);
    private static final MethodHandle SYNC_FILE_RANGE = bind("sync_file_range",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT), false);

    private Posix() {}

    private static MethodHandle bind(String name, FunctionDescriptor fd, boolean variadicAfter1) {
        MemorySegment sym = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return variadicAfter1
                ? LINKER.downcallHandle(sym, fd, CCS, Linker.Option.firstVariadicArg(2))
                : LINKER.downcallHandle(sym, fd, CCS);
    }

    /** An open file descriptor; closing it closes the fd. */
    public record Fd(int fd, Path path) implements AutoCloseable {
        @Override
        public void close() {
            Posix.close(this);
        }
    }

    public static Fd open(Path path, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int fd = (int) OPEN.invokeExact(st, a.allocateFrom(path.toString()), flags);
            if (fd < 0) {
                throw error(path, "open", st);
            }
            return new Fd(fd, path);
        } catch (StorageException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("open() through FFM failed", t);
        }
    }

    static void close(Fd f) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int r = (int) CLOSE.invokeExact(st, f.fd());
            if (r < 0) {
                throw error(f.path(), "close", st);
            }
        } catch (StorageException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("close() through FFM failed", t);
        }
    }

    /**
     * {@code lseek(fd, offset, whence)}; returns -1 where the kernel says ENXIO (no more data,
     * or offset past the end).
     */
    public static long lseek(Fd f, long offset, int whence) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            long r = (long) LSEEK.invokeExact(st, f.fd(), offset, whence);
            if (r < 0) {
                if ((int) ERRNO.get(st, 0L) == ENXIO) {
                    return -1;
                }
                throw error(f.path(), "lseek(" + offset + ", " + whence + ")", st);
            }
            return r;
        } catch (StorageException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("lseek() through FFM failed", t);
        }
    }

    /** {@code fallocate(fd, mode, offset, length)}. */
    public static void fallocate(Fd f, int mode, long offset, long length) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int r = (int) FALLOCATE.invokeExact(st, f.fd(), mode, offset, length);
            if (r < 0) {
                throw error(f.path(), "fallocate(" + mode + ", " + offset + ", " + length + ")", st);
            }
        } catch (StorageException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("fallocate() through FFM failed", t);
        }
    }

    /**
     * {@code sync_file_range(fd, offset, length, flags)}. With {@link #SYNC_FILE_RANGE_WRITE} alone
     * it only starts writeback: it makes nothing durable (no metadata, no disk cache flush), an
     * fsync is still needed for that.
     */
    public static void syncFileRange(Fd f, long offset, long length, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int r = (int) SYNC_FILE_RANGE.invokeExact(st, f.fd(), offset, length, flags);
            if (r < 0) {
                throw error(f.path(), "sync_file_range(" + offset + ", " + length + ", " + flags + ")", st);
            }
        } catch (StorageException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("sync_file_range() through FFM failed", t);
        }
    }

    private static StorageException error(Path p, String call, MemorySegment st) {
        int errno = (int) ERRNO.get(st, 0L);
        return new StorageException(p.toString(), call, new IOException("errno " + errno));
    }
}
