package dev.tandem.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NodeIdTest {
    private final NodeId id = NetworkIdentity.generate().nodeId();

    @Test
    void hexRoundTripIsLowercaseAnd64Chars() {
        String hex = id.toHex();
        assertEquals(64, hex.length());
        assertTrue(hex.matches("[0-9a-f]{64}"));
        assertEquals(id, NodeId.parse(hex));
        assertEquals(id, NodeId.parse(hex.toUpperCase()));
        assertEquals(id, NodeId.of(id.bytes()));
    }

    @Test
    void shortFormIsAPrefix() {
        assertEquals(10, id.shortForm().length());
        assertTrue(id.toHex().startsWith(id.shortForm()));
        assertTrue(id.matchesPrefix(id.shortForm().toUpperCase()));
    }

    @Test
    void parseErrorsSayWhatIsWrong() {
        var tooShort = assertThrows(IllegalArgumentException.class, () -> NodeId.parse("abcd"));
        assertTrue(tooShort.getMessage().contains("64 hex characters, got 4"), tooShort.getMessage());
        assertTrue(tooShort.getMessage().contains("short form"), tooShort.getMessage());
        String bad = id.toHex().substring(0, 20) + "g" + id.toHex().substring(21);
        var nonHex = assertThrows(IllegalArgumentException.class, () -> NodeId.parse(bad));
        assertTrue(nonHex.getMessage().contains("'g' at position 21"), nonHex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NodeId.parse(null));
        assertThrows(IllegalArgumentException.class, () -> NodeId.parse(" " + id.toHex().substring(1)));
        assertThrows(IllegalArgumentException.class, () -> NodeId.of(new byte[31]));
    }

    @Test
    void bytesAreDefensivelyCopied() {
        byte[] b = id.bytes();
        b[0] ^= 1;
        assertNotEquals(NodeId.of(b), id);
        assertEquals(id, NodeId.parse(id.toHex()));
    }
}
