package dev.obdj.tcmu;

import dev.obdj.Image;
import dev.obdj.UsageException;
import dev.obdj.config.GlobalConfig;
import dev.obdj.config.ImageConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A TCMU backstore's config string ({@code dev_config}, {@code <subtype>/<rest>}) and the image it
 * names. Two forms:
 * <ul>
 *   <li>{@code overlaybd/<path to config.v1.json>[;<dev_id>]}: what overlaybd's snapshotter
 *       writes, so its devices can be served by obdj unchanged; the {@code ;dev_id} suffix is
 *       ignored.</li>
 *   <li>{@code obdj/<file>[:<file>...][;rw=<data>:<index>]}: layer files directly, lowest first,
 *       with an optional writable top.</li>
 * </ul>
 * The kernel keeps at most 255 bytes, and configfs' {@code control} file splits on commas and
 * newlines, so neither may appear in the paths.
 *
 * @param subtype    {@code overlaybd} or {@code obdj}
 * @param configFile the config.v1.json of the first form
 * @param lowers     layer files of the second form, lowest first
 * @param rwData     writable top's data file (second form), or null
 * @param rwIndex    writable top's index file (second form), or null
 */
public record DeviceConfig(String subtype, Path configFile, List<Path> lowers, Path rwData, Path rwIndex) {
    /** TCMU_CONFIG_LEN minus the terminating NUL. */
    public static final int MAX_LENGTH = 255;

    public DeviceConfig {
        lowers = List.copyOf(lowers);
    }

    public static DeviceConfig ofConfig(Path configFile) {
        return new DeviceConfig("overlaybd", configFile.toAbsolutePath().normalize(), List.of(), null, null);
    }

    public static DeviceConfig ofFiles(List<Path> lowers, Path rwData, Path rwIndex) {
        List<Path> abs = lowers.stream().map(p -> p.toAbsolutePath().normalize()).toList();
        return new DeviceConfig("obdj", null, abs, rwData == null ? null : rwData.toAbsolutePath().normalize(),
                rwIndex == null ? null : rwIndex.toAbsolutePath().normalize());
    }

    /** Parses the part of a uio name after the device name: {@code <subtype>/<rest>}. */
    public static DeviceConfig parse(String subtype, String rest) {
        switch (subtype) {
            case "overlaybd" -> {
                int semi = rest.indexOf(';');
                String path = semi < 0 ? rest : rest.substring(0, semi);
                if (path.isEmpty()) throw new UsageException("config string overlaybd/ names no config file");
                return new DeviceConfig(subtype, Path.of(path), List.of(), null, null);
            }
            case "obdj" -> {
                String[] parts = rest.split(";", -1);
                List<Path> lowers = new ArrayList<>();
                if (!parts[0].isEmpty()) {
                    for (String f : parts[0].split(":", -1)) {
                        if (f.isEmpty()) throw new UsageException("config string obdj/" + rest + ": empty layer file name");
                        lowers.add(Path.of(f));
                    }
                }
                Path data = null, index = null;
                for (int i = 1; i < parts.length; i++) {
                    String opt = parts[i];
                    if (opt.startsWith("rw=")) {
                        String[] di = opt.substring(3).split(":", -1);
                        if (di.length != 2 || di[0].isEmpty() || di[1].isEmpty()) {
                            throw new UsageException("config string obdj/" + rest + ": rw= wants DATA:INDEX");
                        }
                        data = Path.of(di[0]);
                        index = Path.of(di[1]);
                    } else if (!opt.isEmpty()) {
                        throw new UsageException("config string obdj/" + rest + ": unknown option '" + opt + "'");
                    }
                }
                if (lowers.isEmpty() && data == null) throw new UsageException("config string obdj/" + rest + " names no layers");
                return new DeviceConfig(subtype, null, lowers, data, index);
            }
            default -> throw new UsageException("config string subtype '" + subtype
                    + "' is not served by obdj (expected overlaybd/<config.v1.json> or obdj/<files>)");
        }
    }

    /** The {@code dev_config} value: {@code <subtype>/<rest>}. */
    public String encode() {
        String s;
        if (configFile != null) {
            s = subtype + "/" + configFile;
        } else {
            StringBuilder b = new StringBuilder(subtype).append('/');
            for (int i = 0; i < lowers.size(); i++) {
                String f = lowers.get(i).toString();
                if (f.contains(":") || f.contains(";")) throw new UsageException("layer path " + f + " contains ':' or ';'");
                b.append(i == 0 ? "" : ":").append(f);
            }
            if (rwData != null) b.append(";rw=").append(rwData).append(':').append(rwIndex);
            s = b.toString();
        }
        if (s.contains(",") || s.contains("\n")) {
            throw new UsageException("config string '" + s + "' contains a comma or newline, which configfs cannot take");
        }
        if (s.length() > MAX_LENGTH) {
            throw new UsageException("config string is " + s.length() + " bytes, the kernel keeps " + MAX_LENGTH
                    + " (shorter paths, or a config.v1.json)");
        }
        return s;
    }

    /** Opens the image; writable when it has a writable top and {@code readOnly} is false. */
    public ImageBackend open(boolean readOnly) {
        Image img;
        if (configFile != null) {
            ImageConfig c = ImageConfig.read(configFile);
            img = readOnly || !c.hasUpper() ? Image.open(c, GlobalConfig.defaults()) : Image.openWritable(c, GlobalConfig.defaults());
        } else if (rwData == null) {
            img = Image.open(lowers);
        } else {
            img = readOnly ? Image.open(lowers, rwData, rwIndex) : Image.openWritable(lowers, rwData, rwIndex);
        }
        return new ImageBackend(img, subtype + "/" + (configFile != null ? configFile : lowers.size() + " layer(s)"
                + (rwData != null ? " + " + rwData : "")));
    }
}
