package dev.obdj.testing;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway certificate authority made at test time with the JDK's {@code keytool}: a CA
 * certificate, and a server certificate for 127.0.0.1 signed by it, written as PEM files (the
 * server key as PKCS#8), which is what the registry's {@code http.tls} takes.
 *
 * @param caPem     the CA certificate (what a client must trust)
 * @param certPem   the server certificate followed by the CA certificate
 * @param keyPem    the server's private key
 */
public record TestCa(Path caPem, Path certPem, Path keyPem) {
    private static final String PASS = "obdj-test";

    /** Creates the CA and the server certificate in {@code dir}. */
    public static TestCa create(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path ca = dir.resolve("ca.p12"), server = dir.resolve("server.p12"), csr = dir.resolve("server.csr");
        Path caPem = dir.resolve("ca.pem"), signed = dir.resolve("server-cert.pem");
        keytool(dir, "-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=obdj test CA",
                "-ext", "bc:c", "-validity", "2", "-keystore", ca.toString());
        keytool(dir, "-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-file", caPem.toString());
        keytool(dir, "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
                "-validity", "2", "-keystore", server.toString());
        keytool(dir, "-certreq", "-alias", "server", "-keystore", server.toString(), "-file", csr.toString());
        keytool(dir, "-gencert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-infile", csr.toString(),
                "-outfile", signed.toString(), "-validity", "2", "-ext", "san=ip:127.0.0.1", "-ext", "eku=serverAuth");
        Path certPem = dir.resolve("server.pem");
        Files.writeString(certPem, Files.readString(signed) + Files.readString(caPem));
        Path keyPem = dir.resolve("server.key");
        try (InputStream in = Files.newInputStream(server)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, PASS.toCharArray());
            byte[] pkcs8 = ks.getKey("server", PASS.toCharArray()).getEncoded();
            Files.writeString(keyPem, "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pkcs8) + "\n-----END PRIVATE KEY-----\n");
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
        return new TestCa(caPem, certPem, keyPem);
    }

    /** An SSL context trusting this CA only (for the test's own HTTP client). */
    public SSLContext clientContext() throws IOException {
        try (InputStream in = Files.newInputStream(caPem)) {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            ks.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    private static void keytool(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-storetype", "PKCS12", "-storepass", PASS, "-noprompt"));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool " + String.join(" ", args) + " failed: " + out);
        }
    }
}
