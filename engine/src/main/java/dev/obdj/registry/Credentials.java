package dev.obdj.registry;

import dev.obdj.FormatException;
import dev.obdj.StorageException;
import dev.obdj.config.Json;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Registry credentials in the reference's {@code cred.json} shape:
 * <pre>{@code {"auths": {"registry.example.com": {"username": "u", "password": "p"},
 *                     "registry.example.com/team/app": {"auth": "<base64 of u:p>"}}}}</pre>
 * A URL takes the entry whose key is the longest prefix of its {@code host[:port]/path}.
 */
public final class Credentials {
    /** A user name and password. */
    public record Login(String user, String password) {
        /** The {@code Authorization: Basic} value. */
        public String basic() {
            return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String toString() { return "Login[" + user + ", ***]"; }
    }

    /** No credentials: anonymous access. */
    public static final Credentials NONE = new Credentials(Map.of());

    private final Map<String, Login> byPrefix;

    private Credentials(Map<String, Login> byPrefix) {
        this.byPrefix = byPrefix;
    }

    /** One login for every URL. */
    public static Credentials of(String prefix, String user, String password) {
        return new Credentials(Map.of(prefix, new Login(user, password)));
    }

    /** Reads a {@code cred.json} file. */
    public static Credentials read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StorageException(file.toString(), "read credentials", e);
        }
        Object root;
        try {
            root = Json.parse(text);
        } catch (IllegalArgumentException e) {
            throw new FormatException(file.toString(), -1, "(document)", "a JSON document", e.getMessage());
        }
        if (!(root instanceof Map<?, ?> m) || !(m.get("auths") instanceof Map<?, ?> auths)) {
            throw new FormatException(file.toString(), -1, "auths", "an object of registry prefixes", "none");
        }
        Map<String, Login> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : auths.entrySet()) {
            String key = String.valueOf(e.getKey());
            String field = "auths." + key;
            if (!(e.getValue() instanceof Map<?, ?> a)) {
                throw new FormatException(file.toString(), -1, field, "an object", "another value");
            }
            if (a.get("auth") instanceof String b64 && !b64.isEmpty()) {
                String s;
                try {
                    s = new String(Base64.getDecoder().decode(b64.trim()), StandardCharsets.UTF_8).strip();
                } catch (IllegalArgumentException x) {
                    throw new FormatException(file.toString(), -1, field + ".auth", "base64 of user:password", "invalid base64");
                }
                int c = s.indexOf(':');
                if (c < 0) throw new FormatException(file.toString(), -1, field + ".auth", "base64 of user:password", "no ':'");
                out.put(strip(key), new Login(s.substring(0, c), s.substring(c + 1)));
            } else if (a.get("username") instanceof String u && a.get("password") instanceof String p) {
                out.put(strip(key), new Login(u, p));
            } else {
                throw new FormatException(file.toString(), -1, field, "username and password, or auth", "neither");
            }
        }
        return new Credentials(Map.copyOf(out));
    }

    private static String strip(String key) {
        String k = key.replaceFirst("^[a-zA-Z]+://", "");
        return k.endsWith("/") ? k.substring(0, k.length() - 1) : k;
    }

    /** The login for {@code url}, or null. */
    public Login find(URI url) {
        String hostPath = url.getHost() + (url.getPort() >= 0 ? ":" + url.getPort() : "") + (url.getRawPath() == null ? "" : url.getRawPath());
        Login best = null;
        int bestLen = -1;
        for (Map.Entry<String, Login> e : byPrefix.entrySet()) {
            String k = e.getKey();
            boolean match = hostPath.equals(k) || hostPath.startsWith(k + "/") || (k.isEmpty());
            if (match && k.length() > bestLen) {
                best = e.getValue();
                bestLen = k.length();
            }
        }
        return best;
    }
}
