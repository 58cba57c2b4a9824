package dev.obdj.tcmu;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A TCMU device's {@code /dev/uioN}: found by the name the kernel gives it
 * ({@code tcm-user/<hba>/<dev>/<cfgstring>} in {@code /sys/class/uio/uioN/name}), opened, and its
 * whole region (mailbox, command ring, data area; exactly {@code maps/map0/size} bytes) mapped
 * with {@code mmap(2)}. Also the {@link Doorbell}: {@code poll}+{@code read} for the kernel's
 * events, a 4-byte {@code write} to kick it.
 */
public final class UioDevice implements Doorbell, AutoCloseable {
    /** What {@code /sys/class/uio/uioN/name} says about a TCMU device. */
    public record Info(String uio, int hba, String device, String subtype, String config, long mapSize) {
        /** The backstore's directory in configfs. */
        public Path configfsDir(Path configfsRoot) {
            return configfsRoot.resolve("target/core/user_" + hba).resolve(device);
        }
    }

    /**
     * Parses a uio name; empty when it is not a TCMU device's. The config string is everything after
     * the device name: {@code <subtype>/<rest>}.
     */
    static Optional<Info> parseName(String uio, String name, long mapSize) {
        String[] parts = name.strip().split("/", 4);
        if (parts.length < 3 || !parts[0].equals("tcm-user")) return Optional.empty();
        int hba;
        try {
            hba = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        String cfg = parts.length > 3 ? parts[3] : "";
        int slash = cfg.indexOf('/');
        String subtype = slash < 0 ? cfg : cfg.substring(0, slash);
        String rest = slash < 0 ? "" : cfg.substring(slash + 1);
        return Optional.of(new Info(uio, hba, parts[2], subtype, rest, mapSize));
    }

    /** Every TCMU device under {@code sysClassUio} (normally {@code /sys/class/uio}). */
    public static List<Info> list(Path sysClassUio) {
        List<Info> out = new ArrayList<>();
        if (!Files.isDirectory(sysClassUio)) return out;
        try (Stream<Path> s = Files.list(sysClassUio)) {
            for (Path d : s.sorted().toList()) {
                Path nameFile = d.resolve("name");
                if (!Files.isReadable(nameFile)) continue;
                String name = Files.readString(nameFile);
                long size = 0;
                Path sizeFile = d.resolve("maps/map0/size");
                if (Files.isReadable(sizeFile)) {
                    String v = Files.readString(sizeFile).strip();
                    size = v.startsWith("0x") ? Long.parseLong(v.substring(2), 16) : Long.parseLong(v);
                }
                parseName(d.getFileName().toString(), name, size).ifPresent(out::add);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The device named {@code device} (in user HBA {@code hba}, or any when negative). */
    public static Optional<Info> find(Path sysClassUio, String device, int hba) {
        return list(sysClassUio).stream().filter(i -> i.device().equals(device) && (hba < 0 || i.hba() == hba)).findFirst();
    }

    private final Info info;
    private final String devPath;
    private final int fd;
    private final Arena arena;
    private final long address;
    private final MemorySegment map;
    private final Arena scratch = Arena.ofShared();
    private final MemorySegment readBuf, readState, pollFd, writeBuf, writeState;
    private boolean closed;

    private UioDevice(Info info, String devPath) {
        this.info = info;
        this.devPath = devPath;
        if (info.mapSize() <= 0) throw new IllegalArgumentException(info.uio() + ": map0 size unknown");
        this.fd = Native.open(devPath, Native.O_RDWR);
        try {
            MemorySegment raw = Native.mmapShared(fd, info.mapSize(), 0, devPath);
            this.address = raw.address();
            this.arena = Arena.ofShared();
            this.map = raw.reinterpret(info.mapSize(), arena, null);
        } catch (RuntimeException e) {
            Native.close(fd);
            throw e;
        }
        readBuf = scratch.allocate(4);
        readState = Native.captureState(scratch);
        pollFd = scratch.allocate(Native.POLLFD);
        writeBuf = scratch.allocate(4);
        writeState = Native.captureState(scratch);
    }

    /** Opens {@code /dev/<info.uio>} (or {@code devDir/<uio>}) and maps its region. */
    public static UioDevice open(Info info, Path devDir) {
        return new UioDevice(info, devDir.resolve(info.uio()).toString());
    }

    public Info info() { return info; }

    /** The whole mapped region. Unusable after {@link #close}. */
    public MemorySegment map() { return map; }

    @Override
    public boolean await(int timeoutMillis) {
        if (!Native.pollIn(fd, timeoutMillis, pollFd, readState, devPath)) return false;
        Native.read(fd, readBuf, 4, readState, devPath); // the event count; resets poll readiness
        return true;
    }

    @Override
    public void kick() {
        Native.write(fd, writeBuf, 4, writeState, devPath);
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        arena.close(); // no Java access to the map after this
        Native.munmap(address, info.mapSize());
        Native.close(fd);
        scratch.close();
    }
}
