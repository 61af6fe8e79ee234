package dev.tandem.quic.auth;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.NodeId;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

/**
 * The in-band proof by which a dialling node shows the server it holds the key of its node id, for TLS
 * stacks where the server cannot request client certificates.
 *
 * <p>Exchange, on the first server-initiated bidirectional stream, right after the handshake:
 * <ol>
 *   <li>server → client: {@link #NONCE_LENGTH} random bytes (fresh per connection);</li>
 *   <li>client → server: its node id (32 bytes) then an Ed25519 signature (64 bytes) over
 *       {@link #transcript}, then FIN;</li>
 *   <li>server → client: {@link #OK} then FIN if the proof verifies; otherwise the server closes the
 *       connection with {@code CloseCode.AUTHENTICATION_FAILED}.</li>
 * </ol>
 * The transcript binds the signature to this purpose (label), this connection (server nonce), this server
 * (hash of the certificate the client saw in TLS, which only that server can present with a valid
 * CertificateVerify) and the protocol (ALPN): a proof cannot be replayed on another connection or relayed
 * by a man in the middle to a different server.
 */
public final class ClientProof {
    /** Domain-separation label; a new version of the scheme changes it. */
    public static final String LABEL = "tandem-quic-client-auth-v1";
    public static final int NONCE_LENGTH = 32;
    public static final int SIGNATURE_LENGTH = 64;
    /** Client message length: node id then signature. */
    public static final int PROOF_LENGTH = NodeId.LENGTH + SIGNATURE_LENGTH;
    /** Server's acceptance byte. */
    public static final int OK = 0x01;
    private static final SecureRandom RANDOM = new SecureRandom();

    private ClientProof() {
    }

    /** Makes a client's message from the server's challenge: {@link #create}, or a forgery in tests. */
    @FunctionalInterface
    public interface Maker {
        byte[] make(NetworkIdentity self, byte[] serverNonce, byte[] serverCertHash, String alpn);
    }

    public static byte[] newNonce() {
        byte[] n = new byte[NONCE_LENGTH];
        RANDOM.nextBytes(n);
        return n;
    }

    /**
     * {@code LABEL || nonce(32) || SHA-256(server leaf cert DER)(32) || len(alpn)(1) || alpn (UTF-8) ||
     * client node id(32)}.
     */
    public static byte[] transcript(byte[] serverNonce, byte[] serverCertHash, String alpn, NodeId client) {
        if (serverNonce.length != NONCE_LENGTH || serverCertHash.length != 32) {
            throw new IllegalArgumentException("nonce and certificate hash must be 32 bytes each");
        }
        byte[] a = alpn.getBytes(StandardCharsets.UTF_8);
        if (a.length == 0 || a.length > 255) {
            throw new IllegalArgumentException("ALPN must be 1..255 bytes");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(LABEL.length() + 100 + a.length);
        out.writeBytes(LABEL.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(serverNonce);
        out.writeBytes(serverCertHash);
        out.write(a.length);
        out.writeBytes(a);
        out.writeBytes(client.bytes());
        return out.toByteArray();
    }

    /** The client's message: its node id and its signature over the transcript. */
    public static byte[] create(NetworkIdentity client, byte[] serverNonce, byte[] serverCertHash, String alpn) {
        byte[] sig = Ed25519Fast.sign(client, transcript(serverNonce, serverCertHash, alpn, client.nodeId()));
        byte[] msg = new byte[PROOF_LENGTH];
        System.arraycopy(client.nodeId().bytes(), 0, msg, 0, NodeId.LENGTH);
        System.arraycopy(sig, 0, msg, NodeId.LENGTH, SIGNATURE_LENGTH);
        return msg;
    }

    /**
     * Checks a client's message against the nonce this server sent and its own certificate hash.
     *
     * @return the proven client node id, or null if the proof is malformed or does not verify
     */
    public static NodeId verify(byte[] proof, byte[] serverNonce, byte[] ownCertHash, String alpn) {
        if (proof == null || proof.length != PROOF_LENGTH) {
            return null;
        }
        byte[] idBytes = java.util.Arrays.copyOfRange(proof, 0, NodeId.LENGTH);
        byte[] sig = java.util.Arrays.copyOfRange(proof, NodeId.LENGTH, PROOF_LENGTH);
        NodeId claimed = NodeId.of(idBytes);
        return Ed25519Fast.verify(idBytes, transcript(serverNonce, ownCertHash, alpn, claimed), sig) ? claimed : null;
    }
}
