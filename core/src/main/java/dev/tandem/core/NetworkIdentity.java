package dev.tandem.core;

import dev.tandem.core.internal.AtomicFiles;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.EdECPublicKey;
import java.security.spec.EdECPoint;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.EdECPublicKeySpec;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The node's Ed25519 key pair. Its public key is the node's {@link NodeId}.
 *
 * <p>The key file is a small text file ({@code format=tandem-ed25519-v1}, the 32-byte seed and the public
 * key in hex), written atomically with mode 0600. Loading checks that the two halves belong together; a
 * damaged file is an {@link IdentityException}, never a silently regenerated identity. The private key
 * never appears in {@link #toString()} or logs.
 */
public final class NetworkIdentity {
    /** File name of the key inside a node's data directory. */
    public static final String KEY_FILE = "identity.key";
    private static final String FORMAT = "tandem-ed25519-v1";
    private static final HexFormat HEX = HexFormat.of();

    private final PrivateKey privateKey;
    private final PublicKey publicKey;
    private final NodeId nodeId;

    private NetworkIdentity(PrivateKey privateKey, PublicKey publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        this.nodeId = NodeId.of(rawPublicKey(publicKey));
    }

    /** A fresh identity that lives only in memory. */
    public static NetworkIdentity generate() {
        try {
            KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            return new NetworkIdentity(kp.getPrivate(), kp.getPublic());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no Ed25519 (Java 17+ is required)", e);
        }
    }

    /** Builds an identity from a 32-byte Ed25519 seed (for tests and key import). */
    public static NetworkIdentity fromSeed(byte[] seed) throws IdentityException {
        if (seed.length != 32) {
            throw new IdentityException("an Ed25519 seed is 32 bytes, got " + seed.length);
        }
        try {
            KeyFactory kf = KeyFactory.getInstance("Ed25519");
            PrivateKey priv = kf.generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed));
            // The JDK has no public "derive public key" call: sign with a throwaway generator seeded with
            // the same bytes, which yields the same key pair.
            KeyPairGenerator gen = KeyPairGenerator.getInstance("Ed25519");
            gen.initialize(NamedParameterSpec.ED25519, new FixedSeedRandom(seed));
            KeyPair kp = gen.generateKeyPair();
            return new NetworkIdentity(priv, kp.getPublic());
        } catch (GeneralSecurityException e) {
            throw new IdentityException("cannot build an Ed25519 key from the seed", e);
        }
    }

    /**
     * Loads the identity from {@code keyFile}, creating and persisting a new one if the file does not exist.
     *
     * @throws IdentityException if the file exists but is unreadable, corrupt, or its halves do not match
     */
    public static NetworkIdentity loadOrCreate(Path keyFile) throws IOException {
        try {
            return load(keyFile);
        } catch (NoSuchFileException e) {
            NetworkIdentity id = generate();
            id.save(keyFile);
            return id;
        }
    }

    /**
     * Loads an existing identity.
     *
     * @throws NoSuchFileException if there is no key file
     * @throws IdentityException if it is corrupt
     */
    public static NetworkIdentity load(Path keyFile) throws IOException {
        String text;
        try {
            text = Files.readString(keyFile, StandardCharsets.UTF_8);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IdentityException("key file " + keyFile + " is not a Tandem key file (not text)", e);
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            line = line.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IdentityException("key file " + keyFile + " is corrupt: unexpected line");
            }
            fields.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
        }
        if (!FORMAT.equals(fields.get("format"))) {
            throw new IdentityException("key file " + keyFile + " is corrupt or of an unknown format"
                    + " (expected format=" + FORMAT + "); move it away to create a new identity");
        }
        byte[] seed = hexField(keyFile, fields, "seed");
        byte[] pub = hexField(keyFile, fields, "public");
        NetworkIdentity id = fromSeed(seed);
        Arrays.fill(seed, (byte) 0);
        if (!Arrays.equals(id.nodeId.bytes(), pub)) {
            throw new IdentityException("key file " + keyFile
                    + " is corrupt: its public key does not belong to its private key");
        }
        return id;
    }

    private static byte[] hexField(Path file, Map<String, String> fields, String name) throws IdentityException {
        String v = fields.get(name);
        if (v == null) {
            throw new IdentityException("key file " + file + " is corrupt: no '" + name + "' field");
        }
        if (v.length() != 64) {
            throw new IdentityException("key file " + file + " is corrupt: '" + name + "' is not 32 bytes of hex");
        }
        try {
            return HEX.parseHex(v);
        } catch (IllegalArgumentException e) {
            throw new IdentityException("key file " + file + " is corrupt: '" + name + "' is not hex", e);
        }
    }

    /** Writes the key file atomically with owner-only permissions. */
    public void save(Path keyFile) throws IOException {
        byte[] seed = ((EdECPrivateKey) privateKey).getBytes()
                .orElseThrow(() -> new IdentityException("this private key cannot be exported"));
        String text = "# Tandem node identity. This is a secret key: do not share or copy this file.\n"
                + "format=" + FORMAT + "\n"
                + "seed=" + HEX.formatHex(seed) + "\n"
                + "public=" + nodeId.toHex() + "\n";
        Arrays.fill(seed, (byte) 0);
        AtomicFiles.write(keyFile, text.getBytes(StandardCharsets.UTF_8), true);
    }

    public NodeId nodeId() {
        return nodeId;
    }

    public PublicKey publicKey() {
        return publicKey;
    }

    /**
     * The private key, for transports that must bind a TLS certificate to this identity. Protocols should
     * use {@link #sign(byte[])} instead.
     */
    public PrivateKey privateKey() {
        return privateKey;
    }

    /** Ed25519 signature of {@code data} by this node. */
    public byte[] sign(byte[] data) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(privateKey);
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    /** True if {@code signature} is a valid Ed25519 signature of {@code data} by node {@code signer}. */
    public static boolean verify(NodeId signer, byte[] data, byte[] signature) {
        if (signature == null || signature.length != 64) {
            return false;
        }
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(publicKeyOf(signer));
            s.update(data);
            return s.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // a malformed key or signature is simply not a valid signature
        }
    }

    /** The JDK public key object for a node id. */
    public static PublicKey publicKeyOf(NodeId id) throws GeneralSecurityException {
        byte[] raw = id.bytes();
        // RFC 8032 encoding: little-endian y with the x sign in the top bit of the last byte.
        boolean xOdd = (raw[31] & 0x80) != 0;
        raw[31] &= 0x7f;
        byte[] be = new byte[32];
        for (int i = 0; i < 32; i++) {
            be[i] = raw[31 - i];
        }
        EdECPoint point = new EdECPoint(xOdd, new BigInteger(1, be));
        return KeyFactory.getInstance("Ed25519").generatePublic(new EdECPublicKeySpec(NamedParameterSpec.ED25519, point));
    }

    /** The 32-byte RFC 8032 encoding of a JDK Ed25519 public key. */
    public static byte[] rawPublicKey(PublicKey key) {
        EdECPoint p = ((EdECPublicKey) key).getPoint();
        byte[] be = p.getY().toByteArray();
        byte[] out = new byte[32];
        for (int i = 0; i < be.length && i < 32; i++) {
            out[i] = be[be.length - 1 - i];
        }
        if (p.isXOdd()) {
            out[31] |= (byte) 0x80;
        }
        return out;
    }

    @Override
    public String toString() {
        return "NetworkIdentity[" + nodeId.shortForm() + "]";
    }

    /** Hands a generator exactly the seed bytes, so a key pair can be rebuilt from its seed. */
    private static final class FixedSeedRandom extends SecureRandom {
        private final byte[] seed;

        FixedSeedRandom(byte[] seed) {
            this.seed = seed.clone();
        }

        @Override
        public void nextBytes(byte[] bytes) {
            if (bytes.length != seed.length) {
                throw new IllegalStateException("unexpected request for " + bytes.length + " random bytes");
            }
            System.arraycopy(seed, 0, bytes, 0, seed.length);
        }
    }
}
