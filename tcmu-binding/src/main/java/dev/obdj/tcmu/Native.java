package dev.obdj.tcmu;

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

/**
 * The native calls the TCMU frontend needs, bound once through FFM: {@code open}, {@code close},
 * {@code mmap}, {@code munmap}, {@code read}, {@code write} and {@code poll}. Each captures
 * {@code errno} with the call ({@link Linker.Option#captureCallState}); failures become
 * {@link NativeException}s. {@code FileChannel.map} cannot map {@code /dev/uioN} (its size is
 * 0), hence {@code mmap} here. Linux x86-64/aarch64 only.
 */
final class Native {
    static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CLOEXEC = 0x80000;
    static final int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1;
    static final short POLLIN = 1;
    static final int EPERM = 1, ENOENT = 2, EINTR = 4, EIO = 5, ENXIO = 6, EAGAIN = 11, ENOMEM = 12, EACCES = 13,
            EBUSY = 16, ENODEV = 19, EINVAL = 22;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CCS = Linker.Option.captureCallState("errno");
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout ADDR = ValueLayout.ADDRESS;

    /** struct pollfd { int fd; short events; short revents; } */
    static final StructLayout POLLFD = MemoryLayout.structLayout(
            INT.withName("fd"), ValueLayout.JAVA_SHORT.withName("events"), ValueLayout.JAVA_SHORT.withName("revents"));
    private static final VarHandle POLL_FD = POLLFD.varHandle(MemoryLayout.PathElement.groupElement("fd"));
    private static final VarHandle POLL_EVENTS = POLLFD.varHandle(MemoryLayout.PathElement.groupElement("events"));
    private static final VarHandle POLL_REVENTS = POLLFD.varHandle(MemoryLayout.PathElement.groupElement("revents"));

    private static final MethodHandle OPEN = bind("open", FunctionDescriptor.of(INT, ADDR, INT), 2);
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(INT, INT), -1);
    private static final MethodHandle MMAP = bind("mmap", FunctionDescriptor.of(ADDR, ADDR, LONG, INT, INT, INT, LONG), -1);
    private static final MethodHandle MUNMAP = bind("munmap", FunctionDescriptor.of(INT, ADDR, LONG), -1);
    private static final MethodHandle READ = bind("read", FunctionDescriptor.of(LONG, INT, ADDR, LONG), -1);
    private static final MethodHandle WRITE = bind("write", FunctionDescriptor.of(LONG, INT, ADDR, LONG), -1);
    private static final MethodHandle POLL = bind("poll", FunctionDescriptor.of(INT, ADDR, LONG, INT), -1);

    private Native() {}

    private static MethodHandle bind(String name, FunctionDescriptor fd, int firstVariadic) {
        MemorySegment sym = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return firstVariadic >= 0
                ? LINKER.downcallHandle(sym, fd, CCS, Linker.Option.firstVariadicArg(firstVariadic))
                : LINKER.downcallHandle(sym, fd, CCS);
    }

    static String errnoName(int errno) {
        return switch (errno) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case EINTR -> "EINTR";
            case EIO -> "EIO";
            case ENXIO -> "ENXIO";
            case EAGAIN -> "EAGAIN";
            case ENOMEM -> "ENOMEM";
            case EACCES -> "EACCES";
            case EBUSY -> "EBUSY";
            case ENODEV -> "ENODEV";
            case EINVAL -> "EINVAL";
            default -> "errno " + errno;
        };
    }

    private static RuntimeException rethrow(String call, Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(call + "() through FFM failed", t);
    }

    /** {@code open(path, flags | O_CLOEXEC)}; returns the fd. */
    static int open(String path, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int fd = (int) OPEN.invokeExact(st, a.allocateFrom(path), flags | O_CLOEXEC);
            if (fd < 0) throw NativeException.of("open", path, (int) ERRNO.get(st, 0L));
            return fd;
        } catch (Throwable t) {
            throw rethrow("open", t);
        }
    }

    static void close(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int r = (int) CLOSE.invokeExact(st, fd);
            if (r < 0) throw NativeException.of("close", "fd " + fd, (int) ERRNO.get(st, 0L));
        } catch (Throwable t) {
            throw rethrow("close", t);
        }
    }

    /** {@code mmap(NULL, length, READ|WRITE, MAP_SHARED, fd, offset)}: the raw address (not yet a usable segment). */
    static MemorySegment mmapShared(int fd, long length, long offset, String on) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            MemorySegment p = (MemorySegment) MMAP.invokeExact(st, MemorySegment.NULL, length, PROT_READ | PROT_WRITE,
                    MAP_SHARED, fd, offset);
            if (p.address() == -1L) throw NativeException.of("mmap(" + length + ")", on, (int) ERRNO.get(st, 0L));
            return p;
        } catch (Throwable t) {
            throw rethrow("mmap", t);
        }
    }

    static void munmap(long address, long length) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int r = (int) MUNMAP.invokeExact(st, MemorySegment.ofAddress(address), length);
            if (r < 0) throw NativeException.of("munmap(" + length + ")", null, (int) ERRNO.get(st, 0L));
        } catch (Throwable t) {
            throw rethrow("munmap", t);
        }
    }

    /**
     * {@code read(fd, buf, n)}, retried on EINTR; returns the byte count. {@code st} is a
     * capture-state segment the caller reuses ({@link #captureState}).
     */
    static long read(int fd, MemorySegment buf, long n, MemorySegment st, String on) {
        try {
            while (true) {
                long r = (long) READ.invokeExact(st, fd, buf, n);
                if (r >= 0) return r;
                int e = (int) ERRNO.get(st, 0L);
                if (e != EINTR) throw NativeException.of("read", on, e);
            }
        } catch (Throwable t) {
            throw rethrow("read", t);
        }
    }

    /** {@code write(fd, buf, n)}, retried on EINTR; returns the byte count. */
    static long write(int fd, MemorySegment buf, long n, MemorySegment st, String on) {
        try {
            while (true) {
                long r = (long) WRITE.invokeExact(st, fd, buf, n);
                if (r >= 0) return r;
                int e = (int) ERRNO.get(st, 0L);
                if (e != EINTR) throw NativeException.of("write", on, e);
            }
        } catch (Throwable t) {
            throw rethrow("write", t);
        }
    }

    /**
     * {@code poll} on one fd for POLLIN: true when readable (or in error: the next read tells),
     * false on timeout or EINTR. {@code pfd} is a {@link #POLLFD} segment the caller reuses.
     */
    static boolean pollIn(int fd, int timeoutMillis, MemorySegment pfd, MemorySegment st, String on) {
        POLL_FD.set(pfd, 0L, fd);
        POLL_EVENTS.set(pfd, 0L, POLLIN);
        POLL_REVENTS.set(pfd, 0L, (short) 0);
        try {
            int r = (int) POLL.invokeExact(st, pfd, 1L, timeoutMillis);
            if (r < 0) {
                int e = (int) ERRNO.get(st, 0L);
                if (e == EINTR) return false;
                throw NativeException.of("poll", on, e);
            }
            return r > 0 && (short) POLL_REVENTS.get(pfd, 0L) != 0;
        } catch (Throwable t) {
            throw rethrow("poll", t);
        }
    }

    /** A segment for {@code errno} capture, to reuse across calls on one thread. */
    static MemorySegment captureState(Arena arena) {
        return arena.allocate(CAPTURE);
    }
}
