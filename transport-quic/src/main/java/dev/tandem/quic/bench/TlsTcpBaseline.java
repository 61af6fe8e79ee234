package dev.tandem.quic.bench;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The yardstick for {@link TransportBench}: the same transfer over the JDK's TLS 1.3 on TCP loopback
 * (TLS_AES_128_GCM_SHA256, a self-signed ECDSA P-256 certificate made with Bouncy Castle, server
 * authentication only), one TCP connection per stream.
 */
public final class TlsTcpBaseline {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TlsTcpBaseline.class);
    private static final String CIPHER = "TLS_AES_128_GCM_SHA256";

    private TlsTcpBaseline() {
    }

    public static TransportBench.Summary run(TransportBench.Options o) throws IOException, InterruptedException {
        return run(o, (name, r) -> { });
    }

    static TransportBench.Summary run(TransportBench.Options o,
            java.util.function.BiConsumer<String, TransportBench.RunResult> progress)
            throws IOException, InterruptedException {
        SSLContext ctx;
        try {
            ctx = context();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up the TLS baseline", e);
        }
        ExecutorService pool = Executors.newCachedThreadPool(TransportBench.daemon("tls-bench"));
        try (SSLServerSocket server = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket()) {
            server.setEnabledProtocols(new String[] {"TLSv1.3"});
            server.setEnabledCipherSuites(new String[] {CIPHER});
            server.setReceiveBufferSize(4 << 20);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            InetSocketAddress addr = (InetSocketAddress) server.getLocalSocketAddress();
            long[] connects = o.connectSamples() > 0
                    ? connectTimes(ctx, server, addr, pool, o.connectWarmup(), o.connectSamples(), true) : null;
            for (int w = 1; w <= o.warmupRuns(); w++) {
                TransportBench.RunResult r = oneRun(-w, ctx, server, addr, pool, o);
                if (!r.ok()) {
                    LOG.warn("TLS baseline warm-up run {} failed: {}", w, r.error());
                }
            }
            List<TransportBench.RunResult> results = new ArrayList<>();
            for (int run = 1; run <= o.runs(); run++) {
                TransportBench.RunResult r = oneRun(run, ctx, server, addr, pool, o);
                results.add(r);
                progress.accept("tls1.3-tcp", r);
            }
            return TransportBench.summarize("tls1.3-tcp", results, connects, 0);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException("TLS baseline connect failed: " + e, e);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Times {@code samples} sequential connects (TCP connect + TLS 1.3 handshake, until the client's
     * {@code startHandshake()} returns) after {@code warmup} untimed ones; the server completes its side of
     * each handshake before the next connect starts.
     *
     * @param serverNoDelay TCP_NODELAY on the accepted socket (the client always sets it); without it the
     *        server's handshake flight can wait for a delayed ACK (40 ms on Linux)
     */
    static long[] connectTimes(SSLContext ctx, SSLServerSocket server, InetSocketAddress addr, ExecutorService pool,
            int warmup, int samples, boolean serverNoDelay) throws IOException, InterruptedException,
            java.util.concurrent.ExecutionException, java.util.concurrent.TimeoutException {
        long[] times = new long[samples];
        for (int i = 0; i < warmup + samples; i++) {
            Future<?> accepted = pool.submit(() -> {
                try (SSLSocket s = (SSLSocket) server.accept()) {
                    s.setTcpNoDelay(serverNoDelay);
                    s.startHandshake();
                }
                return null;
            });
            long t0 = System.nanoTime();
            try (SSLSocket c = connect(ctx, addr)) {
                c.startHandshake();
                if (i >= warmup) {
                    times[i - warmup] = System.nanoTime() - t0;
                }
            }
            accepted.get(30, TimeUnit.SECONDS);
        }
        return times;
    }

    private static SSLSocket connect(SSLContext ctx, InetSocketAddress addr) throws IOException {
        SSLSocket c = (SSLSocket) ctx.getSocketFactory().createSocket();
        c.setEnabledProtocols(new String[] {"TLSv1.3"});
        c.setEnabledCipherSuites(new String[] {CIPHER});
        c.setSendBufferSize(4 << 20);
        c.setTcpNoDelay(true);
        c.connect(addr, 10_000);
        return c;
    }

    private static TransportBench.RunResult oneRun(int run, SSLContext ctx, SSLServerSocket server,
            InetSocketAddress addr, ExecutorService pool, TransportBench.Options o) {
        long per = o.bytesPerRun() / o.streams();
        long total = per * o.streams();
        byte[] data = new byte[64 * 1024];
        new Random(run).nextBytes(data);
        List<Future<Long>> readers = new ArrayList<>();
        List<Future<Long>> writers = new ArrayList<>();
        List<SSLSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < o.streams(); i++) {
                readers.add(pool.submit(() -> {
                    try (SSLSocket s = (SSLSocket) server.accept()) {
                        s.setTcpNoDelay(true);
                        return TransportBench.drain(s.getInputStream());
                    }
                }));
            }
            for (int i = 0; i < o.streams(); i++) {
                SSLSocket c = connect(ctx, addr);
                c.startHandshake();
                sockets.add(c);
            }
            long cpu0 = TransportBench.cpuNanos();
            long t0 = System.nanoTime();
            for (SSLSocket c : sockets) {
                writers.add(pool.submit(() -> {
                    long n = TransportBench.fill(c.getOutputStream(), data, per);
                    c.close();
                    return n;
                }));
            }
            long deadline = System.nanoTime() + o.runTimeout().toNanos();
            for (Future<Long> w : writers) {
                w.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            long got = 0;
            for (Future<Long> r : readers) {
                got += r.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            long cpu = TransportBench.cpuNanos() - cpu0;
            boolean ok = got == total;
            return new TransportBench.RunResult(run, got, secs, got / secs / 1e6,
                    cpu / 1e9 / (got / (double) (1L << 30)), 0, 0, ok, ok ? "" : "received " + got + " of " + total);
        } catch (IOException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return new TransportBench.RunResult(run, 0, Double.NaN, Double.NaN, Double.NaN, 0, 0, false, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new TransportBench.RunResult(run, 0, Double.NaN, Double.NaN, Double.NaN, 0, 0, false, "interrupted");
        } finally {
            for (SSLSocket c : sockets) {
                try {
                    c.close();
                } catch (IOException e) {
                    LOG.debug("closing a baseline socket failed: {}", e.toString());
                }
            }
        }
    }

    /** A TLS context with a fresh self-signed P-256 certificate, trusting exactly that certificate. */
    static SSLContext context() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair kp = g.generateKeyPair();
        X500Name name = new X500Name("CN=tandem-bench");
        Instant now = Instant.now();
        X509Certificate cert;
        try {
            byte[] der = new JcaX509v3CertificateBuilder(name, new BigInteger(64, new SecureRandom()),
                    Date.from(now.minusSeconds(3600)), Date.from(now.plusSeconds(86_400)), name, kp.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())).getEncoded();
            cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(der));
        } catch (OperatorCreationException | IOException e) {
            throw new GeneralSecurityException("cannot make the baseline certificate", e);
        }
        char[] pw = "bench".toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try {
            ks.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        ks.setKeyEntry("bench", kp.getPrivate(), pw, new X509Certificate[] {cert});
        KeyStore ts = KeyStore.getInstance("PKCS12");
        try {
            ts.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        ts.setCertificateEntry("bench", cert);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pw);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
        return ctx;
    }
}
