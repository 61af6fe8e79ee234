package dev.tandem.filetransfer;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets the JIT to compile the AES-GCM and SHA-256 code a transfer runs before the first transfer needs it.
 *
 * <p>Why: a chunk is sealed, opened and hashed with a few calls, so in a fresh JVM those methods stay interpreted
 * or run as loop-only (OSR) compilations for a long time, and HotSpot's GHASH, AES and SHA intrinsics apply only
 * once a method is compiled whole. Until then AES-GCM seals and opens at about 20 MB/s, not about 1 GB/s (JDK 17
 * on the reference VM), which made a CLI {@code send} from a fresh process crypto-bound. Ten thousand small
 * operations on a background thread take about 0.3 s of one core and get there. It works for chunks up to about
 * 64 KiB; larger inputs take a separate path inside the JDK's GCM that needs its own few hundred calls, one reason
 * the default chunk is 64 KiB.
 */
final class CryptoWarmup {
    static final int ROUNDS = 10_000;
    private static final int BYTES = 256;
    private static final Logger log = LoggerFactory.getLogger(CryptoWarmup.class);
    private static final AtomicBoolean started = new AtomicBoolean();

    private CryptoWarmup() {
    }

    /** Starts the warm-up on a low-priority daemon thread, once per JVM; returns false if it had been started. */
    static boolean startOnce() {
        if (!started.compareAndSet(false, true)) {
            return false;
        }
        Thread t = new Thread(() -> {
            long t0 = System.nanoTime();
            run(ROUNDS);
            log.debug("AES-GCM and SHA-256 warmed up in {} ms", (System.nanoTime() - t0) / 1_000_000);
        }, "tandem-ft-crypto-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
        return true;
    }

    /**
     * Seals, opens and hashes {@code rounds} small chunks through the same code a transfer uses, with a throwaway
     * key; returns how many came back intact (all of them, unless the JDK's AES-GCM is broken).
     */
    static int run(int rounds) {
        SecureRandom random = new SecureRandom();
        byte[] secret = new byte[32];
        byte[] id = new byte[16];
        byte[] node = new byte[32];
        byte[] nonce = new byte[SessionCipher.NONCE_BYTES];
        random.nextBytes(secret);
        random.nextBytes(id);
        SessionCipher cipher = SessionCipher.derive(secret, id, node, node, id, nonce, nonce);
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
        byte[] plain = new byte[BYTES];
        byte[] sealed = new byte[BYTES + SessionCipher.TAG_BYTES];
        byte[] opened = new byte[BYTES];
        int intact = 0;
        for (int i = 0; i < rounds; i++) {
            plain[0] = (byte) i;
            int n = cipher.seal(0, i, (long) i * BYTES, plain, 0, BYTES, sealed, 0);
            try {
                cipher.open(0, i, (long) i * BYTES, BYTES, sealed, 0, n, opened, 0);
            } catch (TransferException e) {
                log.warn("AES-GCM warm-up: a chunk sealed here did not open: {}", e.getMessage());
                return intact;
            }
            sha256.update(opened);
            if (Arrays.equals(plain, opened)) {
                intact++;
            }
        }
        sha256.digest();
        return intact;
    }
}
