package dev.obdj.tcmu;

import dev.obdj.UsageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What can be checked without a TCMU kernel: natives on plain files, names, config strings, configfs trees. */
class HostSideTest {
    @TempDir
    Path tmp;

    @Test
    void nativeCallsOnAPlainFile() throws Exception {
        NativeException e = assertThrows(NativeException.class, () -> Native.open(tmp.resolve("missing").toString(), Native.O_RDWR));
        assertEquals(Native.ENOENT, e.errno());
        assertTrue(e.getMessage().contains("ENOENT"), e.getMessage());
        Path f = tmp.resolve("f");
        Files.write(f, new byte[8192]);
        int fd = Native.open(f.toString(), Native.O_RDWR);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment raw = Native.mmapShared(fd, 8192, 0, f.toString());
            MemorySegment m = raw.reinterpret(8192);
            m.set(ValueLayout.JAVA_INT_UNALIGNED, 4096, 0x01020304);
            Native.munmap(raw.address(), 8192);
            byte[] onDisk = Files.readAllBytes(f);
            assertEquals(0x04, onDisk[4096]); // MAP_SHARED: the write reached the file
            MemorySegment st = Native.captureState(a), buf = a.allocate(4), pfd = a.allocate(Native.POLLFD);
            assertTrue(Native.pollIn(fd, 0, pfd, st, "f"));
            assertEquals(4, Native.read(fd, buf, 4, st, "f"));
            assertEquals(4, Native.write(fd, buf, 4, st, "f"));
        } finally {
            Native.close(fd);
        }
        assertThrows(NativeException.class, () -> Native.close(fd)); // EBADF
        NativeException mm = assertThrows(NativeException.class, () -> Native.mmapShared(-1, 4096, 0, "bad fd"));
        assertFalse(mm instanceof NativeException.Busy);
        assertInstanceOf(NativeException.DeviceGone.class, NativeException.of("read", "/dev/uio0", Native.EIO));
        assertInstanceOf(NativeException.Busy.class, NativeException.of("open", "/dev/uio0", Native.EBUSY));
    }

    @Test
    void abiOffsetsMatchTheKernelHeader() {
        assertEquals(128, TcmuAbi.MAILBOX.byteSize());
        assertEquals(12, TcmuAbi.MAILBOX.byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement("cmd_head")));
        assertEquals(64, TcmuAbi.MAILBOX.byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement("cmd_tail")));
        assertEquals(112, TcmuAbi.ENTRY.byteSize());
        assertEquals(48, TcmuAbi.IOV_OFFSET);
        assertEquals(16, TcmuAbi.SENSE_OFFSET);
        assertEquals(112 + 16, TcmuAbi.commandSize(1, 16));  // 48+16 = 64 < 112 -> 112, + CDB 16
        assertEquals(48 + 16 * 10 + 16, TcmuAbi.commandSize(10, 16));
    }

    @Test
    void uioNames() {
        var i = UioDevice.parseName("uio3", "tcm-user/1/obdj0/overlaybd//var/lib/x/config.v1.json;42\n", 4096).orElseThrow();
        assertEquals(1, i.hba());
        assertEquals("obdj0", i.device());
        assertEquals("overlaybd", i.subtype());
        assertEquals("/var/lib/x/config.v1.json;42", i.config());
        assertTrue(UioDevice.parseName("uio0", "uio_pci_generic", 0).isEmpty());
        var e = UioDevice.parseName("uio1", "tcm-user/0/d/", 1).orElseThrow();
        assertEquals("", e.subtype());
    }

    @Test
    void listsUioDevicesFromSysfs() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("uio/uio0/maps/map0"));
        Files.writeString(tmp.resolve("uio/uio0/name"), "tcm-user/0/disk1/obdj//a.lsmt:/b.lsmt\n");
        Files.writeString(d.resolve("size"), "0x40100000\n");
        Files.createDirectories(tmp.resolve("uio/uio1"));
        Files.writeString(tmp.resolve("uio/uio1/name"), "other\n");
        List<UioDevice.Info> all = UioDevice.list(tmp.resolve("uio"));
        assertEquals(1, all.size());
        assertEquals(0x40100000L, all.getFirst().mapSize());
        assertTrue(UioDevice.find(tmp.resolve("uio"), "disk1", 0).isPresent());
        assertTrue(UioDevice.find(tmp.resolve("uio"), "disk1", 2).isEmpty());
    }

    @Test
    void configStrings() {
        DeviceConfig a = DeviceConfig.parse("overlaybd", "/run/obd/config.v1.json;dev7");
        assertEquals(Path.of("/run/obd/config.v1.json"), a.configFile());
        DeviceConfig b = DeviceConfig.parse("obdj", "/l/0.lsmt:/l/1.lsmt;rw=/l/top.data:/l/top.index");
        assertEquals(List.of(Path.of("/l/0.lsmt"), Path.of("/l/1.lsmt")), b.lowers());
        assertEquals(Path.of("/l/top.index"), b.rwIndex());
        assertEquals("obdj//l/0.lsmt:/l/1.lsmt;rw=/l/top.data:/l/top.index", b.encode());
        DeviceConfig c = DeviceConfig.parse("obdj", ";rw=/d:/i");
        assertTrue(c.lowers().isEmpty());
        assertEquals("overlaybd//x/c.json", DeviceConfig.ofConfig(Path.of("/x/c.json")).encode());
        assertThrows(UsageException.class, () -> DeviceConfig.parse("file", "/tmp/x"));
        assertThrows(UsageException.class, () -> DeviceConfig.parse("obdj", ""));
        assertThrows(UsageException.class, () -> DeviceConfig.parse("obdj", "/a;rw=/d"));
        assertThrows(UsageException.class, () -> DeviceConfig.parse("obdj", "/a;bogus"));
        assertThrows(UsageException.class, () -> DeviceConfig.ofFiles(List.of(Path.of("/a,b")), null, null).encode());
        assertThrows(UsageException.class, () -> DeviceConfig.ofFiles(List.of(Path.of("/" + "x".repeat(300))), null, null).encode());
        assertNull(DeviceConfig.ofFiles(List.of(Path.of("/a")), null, null).rwData());
    }

    @Test
    void configfsTreeSteps() throws Exception {
        Path root = tmp.resolve("cfg"), sys = tmp.resolve("sys");
        Files.createDirectories(root.resolve("target/core"));
        Files.createDirectories(root.resolve("target/loopback"));
        ConfigFs cfs = new ConfigFs(root, sys);
        cfs.requireModules();
        Path b = cfs.createBackstore(0, "d0", "obdj//a.lsmt", 1 << 20, 512, 0);
        assertEquals("1", Files.readString(b.resolve("enable")));
        assertThrows(IllegalStateException.class, () -> cfs.createBackstore(0, "d0", "obdj//a.lsmt", 1 << 20, 512, 0));
        ConfigFs.Loopback l = cfs.createLoopback(b);
        assertTrue(Files.isSymbolicLink(l.link()));
        assertTrue(Files.readString(l.tpg().resolve("nexus")).startsWith("naa.5001405"));
        assertEquals(List.of(l), cfs.loopbacksOf(b));
        assertTrue(cfs.disk(l).isEmpty());
        Files.writeString(l.tpg().resolve("address"), "3:0:1\n");
        Files.createDirectories(sys.resolve("bus/scsi/devices/3:0:1:0/block/sdc"));
        assertEquals(Path.of("/dev/sdc"), cfs.disk(l).orElseThrow());
        assertFalse(cfs.resetRing(b)); // no action/ files here
        Files.delete(l.tpg().resolve("address"));
        Files.delete(l.tpg().resolve("nexus"));
        cfs.removeLoopback(l); // on a plain tree the kernel's own lun/ dir stays; configfs removes it with the tpg
        assertFalse(Files.exists(l.lun()));
        assertTrue(cfs.loopbacksOf(b).isEmpty());
        for (String f : List.of("control", "enable")) Files.delete(b.resolve(f));
        cfs.removeBackstore(b);
        assertFalse(Files.exists(b.getParent()));
    }
}
