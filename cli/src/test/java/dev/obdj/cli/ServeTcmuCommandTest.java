package dev.obdj.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Argument handling of serve-tcmu (serving itself needs a TCMU kernel: see tcmu-binding's VM test). */
class ServeTcmuCommandTest {
    @Test
    void parsesTheForms() throws Exception {
        var c = ServeTcmuCommand.parse(List.of("--name", "d0", "--config", "/x/config.v1.json"));
        assertEquals("d0", c.options().name());
        assertEquals("overlaybd//x/config.v1.json", c.config().encode());
        var f = ServeTcmuCommand.parse(List.of("--name", "d1", "--rw", "/t.data", "/t.index", "--workers", "2", "/a.lsmt", "/b.lsmt"));
        assertEquals("obdj//a.lsmt:/b.lsmt;rw=/t.data:/t.index", f.config().encode());
        assertEquals(2, f.options().workers());
        var a = ServeTcmuCommand.parse(List.of("--name", "d2", "--attach", "--teardown", "--hba", "3"));
        assertNull(a.config());
        assertTrue(a.options().attach() && a.options().teardown());
        assertEquals(3, a.options().hba());
        assertEquals(Path.of("/x/config.v1.json"), c.config().configFile());
    }

    @Test
    void usageErrors() {
        assertThrows(UsageError.class, () -> ServeTcmuCommand.parse(List.of("--config", "c.json")));
        assertThrows(UsageError.class, () -> ServeTcmuCommand.parse(List.of("--name", "d")));
        assertThrows(UsageError.class, () -> ServeTcmuCommand.parse(List.of("--name", "a/b", "f")));
        assertThrows(UsageError.class, () -> ServeTcmuCommand.parse(List.of("--name", "d", "--config", "c", "f")));
        assertThrows(UsageError.class, () -> ServeTcmuCommand.parse(List.of("--name", "d", "--teardown", "f")));
        assertThrows(UsageError.class, () -> ServeTcmuCommand.parse(List.of("--name", "d", "--block-size", "1000", "f")));
        assertThrows(UsageError.class, () -> ServeTcmuCommand.parse(List.of("--name", "d", "--workers", "x", "f")));
        assertEquals(2, Main.run(new String[] {"serve-tcmu"}, System.out, System.err));
    }
}
