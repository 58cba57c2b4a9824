package dev.obdj.cli;

import dev.obdj.Image;
import dev.obdj.config.GlobalConfig;
import dev.obdj.config.ImageConfig;

import java.nio.file.Path;

/**
 * The options that say how an image config ({@code config.v1.json}) is opened:
 * {@code --global-config FILE} (overlaybd's global config: cache, credentials, prefetch, P2P),
 * then {@code --cache-dir DIR} and {@code --cred FILE} (a {@code cred.json}) to override it.
 * Without a global config there is no persistent cache unless {@code --cache-dir} is given.
 */
record ConfigOptions(Path globalConfig, Path cacheDir, Path cred) {
    static final String USAGE = "[--global-config overlaybd.json] [--cache-dir DIR] [--cred cred.json]";

    static ConfigOptions take(Args a) throws UsageError {
        String g = a.value("--global-config");
        String c = a.value("--cache-dir");
        String r = a.value("--cred");
        return new ConfigOptions(g == null ? null : Path.of(g), c == null ? null : Path.of(c), r == null ? null : Path.of(r));
    }

    GlobalConfig global() {
        GlobalConfig g = globalConfig != null ? GlobalConfig.read(globalConfig) : GlobalConfig.defaults();
        if (cacheDir != null) g = g.withCache(cacheDir, g.cacheSize());
        if (cred != null) g = g.withCredentials(cred);
        return g;
    }

    Image open(Path config, boolean writable) {
        ImageConfig c = ImageConfig.read(config);
        return writable ? Image.openWritable(c, global()) : Image.open(c, global());
    }
}
