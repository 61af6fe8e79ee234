package dev.tandem.core;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A node's identity on the network: its 32-byte Ed25519 public key.
 *
 * <p>The text form is 64 lowercase hex characters; {@link #shortForm()} gives the first 10 for display.
 * Instances are immutable and compare by value.
 */
public final class NodeId implements Comparable<NodeId> {
    /** Length of a node id in bytes (an Ed25519 public key). */
    public static final int LENGTH = 32;
    private static final HexFormat HEX = HexFormat.of();

    private final byte[] key;

    private NodeId(byte[] key) {
        this.key = key;
    }

    /** Wraps a raw 32-byte Ed25519 public key. */
    public static NodeId of(byte[] key) {
        if (key == null || key.length != LENGTH) {
            throw new IllegalArgumentException("a node id is " + LENGTH + " bytes, got "
                    + (key == null ? "null" : key.length));
        }
        return new NodeId(key.clone());
    }

    /**
     * Parses the 64-character hex form (upper case is accepted, surrounding blanks are not).
     *
     * @throws IllegalArgumentException naming what is wrong: length, or the first character that is not hex
     */
    public static NodeId parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("node id is missing");
        }
        if (text.length() != 2 * LENGTH) {
            throw new IllegalArgumentException("a node id is " + 2 * LENGTH + " hex characters, got "
                    + text.length() + (text.length() > 0 && text.length() < 2 * LENGTH
                            ? " (a short form cannot be parsed; use the full id)" : ""));
        }
        for (int i = 0; i < text.length(); i++) {
            if (Character.digit(text.charAt(i), 16) < 0) {
                throw new IllegalArgumentException("node id has a non-hex character '" + text.charAt(i)
                        + "' at position " + (i + 1));
            }
        }
        return new NodeId(HEX.parseHex(text));
    }

    /** The raw public key bytes (a copy). */
    public byte[] bytes() {
        return key.clone();
    }

    /** The full 64-character lowercase hex form. */
    public String toHex() {
        return HEX.formatHex(key);
    }

    /** The first 10 hex characters, for logs and displays where the full id is too long. */
    public String shortForm() {
        return toHex().substring(0, 10);
    }

    /** True if the hex form starts with the given prefix (case-insensitive). */
    public boolean matchesPrefix(String hexPrefix) {
        return toHex().startsWith(hexPrefix.toLowerCase(java.util.Locale.ROOT));
    }

    @Override
    public int compareTo(NodeId other) {
        return Arrays.compareUnsigned(key, other.key);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NodeId other && Arrays.equals(key, other.key);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(key);
    }

    @Override
    public String toString() {
        return toHex();
    }
}
