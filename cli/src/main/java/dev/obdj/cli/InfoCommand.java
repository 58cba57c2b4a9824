package dev.obdj.cli;

import dev.obdj.Image;
import dev.obdj.LayerHeader;
import dev.obdj.LayerInfo;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** {@code obd info FILE [--json]}: header and trailer fields, flags decoded, index statistics. */
final class InfoCommand implements Command {
    @Override
    public String name() { return "info"; }

    @Override
    public String usage() {
        return "info (FILE | --config config.v1.json " + ConfigOptions.USAGE
                + ") [--json]   header/trailer fields, flags, index entries, allocated and zeroed bytes (ZFile headers too); for a config, its layers";
    }

    @Override
    public int run(List<String> argv, PrintStream out, PrintStream err) throws UsageError {
        Args a = new Args(argv);
        boolean json = a.flag("--json");
        String config = a.value("--config");
        ConfigOptions options = ConfigOptions.take(a);
        List<String> files = a.positionals();
        if (config != null) {
            if (!files.isEmpty()) throw new UsageError("--config and FILE are two ways to name what to describe: pick one");
            out.println(ConfigInfo.describe(Path.of(config), options, json));
            return 0;
        }
        if (files.size() != 1) {
            throw new UsageError("expected exactly one FILE");
        }
        Path file = Path.of(files.get(0));
        ZFileSummary z = ZFileSummary.of(file);
        LayerInfo info = z == null || z.lsmtInside() ? Image.inspect(file) : null;
        if (json) {
            Json j = new Json();
            j.begin();
            if (z != null) {
                z.json(j);
            }
            if (info != null) {
                layerJson(j, info);
            }
            j.end();
            out.println(j);
        } else {
            if (z != null) {
                out.println(z.text());
            }
            if (info != null) {
                out.println(toText(info));
            }
        }
        return 0;
    }

    static String toText(LayerInfo i) {
        StringBuilder sb = new StringBuilder();
        sb.append("file: ").append(i.path()).append('\n');
        sb.append("kind: ").append(i.kind().name().toLowerCase().replace('_', '-')).append('\n');
        sb.append("file size: ").append(i.fileSize()).append('\n');
        header(sb, "header", i.header());
        if (i.trailer() != null) {
            header(sb, "trailer", i.trailer());
        }
        sb.append("index entries stored: ").append(i.storedEntries()).append('\n');
        if (i.trailer() != null) {
            sb.append("index entries live: ").append(i.entries()).append('\n');
            sb.append("zeroed extents: ").append(i.zeroedEntries()).append('\n');
            sb.append("allocated bytes: ").append(i.allocatedBytes()).append('\n');
            sb.append("zeroed bytes: ").append(i.zeroedBytes());
        } else {
            sb.setLength(sb.length() - 1);
        }
        return sb.toString();
    }

    private static void header(StringBuilder sb, String what, LayerHeader h) {
        sb.append(what).append(".flags: 0x").append(Integer.toHexString(h.flags())).append(" (").append(h.flagNames()).append(")\n");
        sb.append(what).append(".index_offset: ").append(Long.toUnsignedString(h.indexOffset())).append('\n');
        sb.append(what).append(".index_size: ").append(Long.toUnsignedString(h.indexSize())).append('\n');
        sb.append(what).append(".virtual_size: ").append(Long.toUnsignedString(h.virtualSize())).append('\n');
        sb.append(what).append(".uuid: ").append(h.uuid()).append('\n');
        sb.append(what).append(".parent_uuid: ").append(h.parentUuid()).append('\n');
        sb.append(what).append(".version: ").append(h.version()).append('.').append(h.subVersion()).append('\n');
        sb.append(what).append(".user_tag: ").append(h.userTag()).append('\n');
    }

    static String toJson(LayerInfo i) {
        Json j = new Json();
        j.begin();
        layerJson(j, i);
        j.end();
        return j.toString();
    }

    private static void layerJson(Json j, LayerInfo i) {
        j.field("file", i.path().toString());
        j.field("kind", i.kind().name().toLowerCase().replace('_', '-'));
        j.field("file_size", i.fileSize());
        headerJson(j, "header", i.header());
        if (i.trailer() != null) {
            headerJson(j, "trailer", i.trailer());
        }
        j.field("index_entries_stored", i.storedEntries());
        if (i.trailer() != null) {
            j.field("index_entries", i.entries());
            j.field("zeroed_extents", i.zeroedEntries());
            j.field("allocated_bytes", i.allocatedBytes());
            j.field("zeroed_bytes", i.zeroedBytes());
        }
    }

    private static void headerJson(Json j, String name, LayerHeader h) {
        j.object(name);
        j.field("flags", h.flags());
        j.field("flag_names", h.flagNames());
        j.field("index_offset", h.indexOffset());
        j.field("index_size", h.indexSize());
        j.field("virtual_size", h.virtualSize());
        j.field("uuid", h.uuid());
        j.field("parent_uuid", h.parentUuid());
        j.field("version", h.version());
        j.field("sub_version", h.subVersion());
        j.field("user_tag", h.userTag());
        j.end();
    }
}
