package dev.obdj.cli;

import dev.obdj.Image;
import dev.obdj.config.ImageConfig;
import dev.obdj.io.ByteSource;
import dev.obdj.registry.BlobCache;
import dev.obdj.registry.RegistryClient;
import dev.obdj.registry.RemoteBlob;

import java.nio.file.Path;
import java.util.List;

/** {@code obd info --config}: the image of a config.v1.json, layer by layer, and where each comes from. */
final class ConfigInfo {
    private ConfigInfo() {}

    static String describe(Path configFile, ConfigOptions options, boolean json) {
        ImageConfig c = ImageConfig.read(configFile);
        try (Image img = Image.open(c, options.global())) {
            List<ByteSource> lowers = img.sources().lowers();
            List<RemoteBlob> remotes = img.sources().remotes();
            Json j = new Json();
            StringBuilder t = new StringBuilder();
            j.begin();
            j.field("config", configFile.toString());
            j.field("virtual_size", img.size());
            j.field("index_entries", img.indexEntries());
            j.field("writable_upper", c.hasUpper());
            t.append("config: ").append(configFile).append('\n');
            t.append("virtual size: ").append(img.size()).append('\n');
            t.append("index entries: ").append(img.indexEntries()).append('\n');
            if (c.hasUpper()) t.append("upper: ").append(c.upper().data()).append(", ").append(c.upper().index()).append('\n');
            j.array("lowers");
            int remoteIdx = 0;
            for (int i = 0; i < lowers.size(); i++) {
                ImageConfig.Lower l = c.lowers().get(i);
                Path local = img.sources().localFile(i);
                String where = local != null ? local.toString() : remotes.get(remoteIdx++).url();
                String kind = lowers.get(i) instanceof dev.obdj.zfile.ZFileReader ? "zfile" : "lsmt";
                j.begin();
                j.field("index", i);
                j.field("source", local != null ? "local" : "registry");
                j.field("location", where);
                if (l.digest() != null) j.field("digest", l.digest());
                j.field("kind", kind);
                j.field("size", lowers.get(i).size());
                j.end();
                t.append("lowers[").append(i).append("]: ").append(local != null ? "local " : "registry ").append(where)
                        .append(" (").append(kind).append(", ").append(lowers.get(i).size()).append(" bytes)\n");
            }
            j.endArray();
            RegistryClient client = img.sources().client();
            if (client != null) {
                RegistryClient.Stats s = client.stats();
                j.field("http_requests", s.requests());
                j.field("bytes_fetched", s.bytes());
                t.append("http requests: ").append(s.requests()).append(", bytes fetched: ").append(s.bytes()).append('\n');
            }
            BlobCache cache = img.sources().cache();
            if (cache != null) {
                BlobCache.Stats s = cache.stats();
                j.field("cache_dir", cache.dir().toString());
                j.field("cache_bytes", s.bytes());
                t.append("cache: ").append(cache.dir()).append(" (").append(s.bytes()).append(" bytes held)\n");
            }
            j.end();
            if (json) return j.toString();
            t.setLength(t.length() - 1);
            return t.toString();
        }
    }
}
