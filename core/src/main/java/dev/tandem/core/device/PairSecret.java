package dev.tandem.core.device;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;

/**
 * The secret two paired devices share, from which protocols derive session keys. Never printed:
 * {@link #toString()} is redacted; compare with {@link #equals}, which runs in constant time.
 */
public final class PairSecret {
    private final byte[] bytes;

    public PairSecret(byte[] bytes) {
        if (bytes.length < 16) {
            throw new IllegalArgumentException("a pair secret has at least 16 bytes");
        }
        this.bytes = bytes.clone();
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    String encode() {
        return Base64.getEncoder().encodeToString(bytes);
    }

    static PairSecret decode(String s) {
        return new PairSecret(Base64.getDecoder().decode(s));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PairSecret other && MessageDigest.isEqual(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "PairSecret[redacted]";
    }
}
