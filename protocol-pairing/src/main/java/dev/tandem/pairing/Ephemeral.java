package dev.tandem.pairing;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.XECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPublicKeySpec;
import javax.crypto.KeyAgreement;

/** A one-session X25519 key pair (JDK), so the pair secret also depends on a fresh Diffie-Hellman secret. */
final class Ephemeral {
    private final KeyPair pair;
    private final byte[] publicBytes;

    private Ephemeral(KeyPair pair) {
        this.pair = pair;
        this.publicBytes = encode(((XECPublicKey) pair.getPublic()).getU());
    }

    static Ephemeral generate() {
        try {
            return new Ephemeral(KeyPairGenerator.getInstance("X25519").generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no X25519", e);
        }
    }

    byte[] publicKey() {
        return publicBytes.clone();
    }

    /**
     * The shared secret with a peer's raw 32-byte public key.
     *
     * @throws PairingException (protocol error) for a key that yields no usable secret (e.g. a small-order point)
     */
    byte[] agree(byte[] peerPublic) {
        try {
            byte[] le = peerPublic.clone();
            le[31] &= 0x7f; // RFC 7748: the top bit is ignored
            byte[] be = new byte[32];
            for (int i = 0; i < 32; i++) {
                be[i] = le[31 - i];
            }
            var key = KeyFactory.getInstance("X25519")
                    .generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, new BigInteger(1, be)));
            KeyAgreement ka = KeyAgreement.getInstance("X25519");
            ka.init(pair.getPrivate());
            ka.doPhase(key, true);
            byte[] s = ka.generateSecret();
            if (isZero(s)) {
                throw new PairingException(PairingException.Reason.PROTOCOL_ERROR, "peer sent an unusable ephemeral key");
            }
            return s;
        } catch (GeneralSecurityException | IllegalStateException e) {
            throw new PairingException(PairingException.Reason.PROTOCOL_ERROR, "peer sent an unusable ephemeral key", e);
        }
    }

    private static boolean isZero(byte[] s) {
        int acc = 0;
        for (byte b : s) {
            acc |= b;
        }
        return acc == 0;
    }

    private static byte[] encode(BigInteger u) {
        byte[] be = u.toByteArray();
        byte[] le = new byte[32];
        for (int i = 0; i < 32 && i < be.length; i++) {
            le[i] = be[be.length - 1 - i];
        }
        return le;
    }

    @Override
    public String toString() {
        return "Ephemeral[redacted]";
    }
}
