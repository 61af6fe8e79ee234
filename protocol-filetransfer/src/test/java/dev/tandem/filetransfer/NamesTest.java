package dev.tandem.filetransfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class NamesTest {
    private static String s(String raw) throws TransferException {
        return String.join("/", Names.sanitizePath(raw));
    }

    @Test
    void neutralisesEscapesAndReservedNames() throws Exception {
        assertEquals("etc/passwd", s("/etc/passwd"));
        assertEquals("x", s("../../x"));
        assertEquals("a/b", s("a/./../b"));
        assertEquals("C_/x", s("C:\\x"));
        assertEquals("_CON", s("CON"));
        assertEquals("_com1.txt", s("com1.txt"));
        assertEquals("_LPT9", s("LPT9. "));
        assertEquals("ab", s("a\u0000b\u007f"));
        assertEquals("name", s("name. . ."));
        assertEquals("unnamed", s("../.."));
        assertEquals("unnamed", s(""));
        assertEquals("caf\u00e9", s("cafe\u0301"));
        assertEquals("a_b_c", s("a<b>c"));
        assertEquals("txt.exe", s("\u202etxt.exe"));
        assertEquals(".hidden", s(".hidden"));
    }

    @Test
    void limitsLengthAndDepth() throws Exception {
        String longName = "\u00e9".repeat(300) + ".jpeg";
        String t = s(longName);
        assertTrue(t.getBytes(StandardCharsets.UTF_8).length <= Names.MAX_COMPONENT_BYTES);
        assertTrue(t.endsWith(".jpeg"));
        assertEquals(TransferError.LIMIT_EXCEEDED, assertThrows(TransferException.class,
                () -> Names.sanitizePath("x".repeat(Names.MAX_RAW_PATH_CHARS + 1))).error());
        assertEquals(TransferError.LIMIT_EXCEEDED, assertThrows(TransferException.class,
                () -> Names.sanitizePath("d/".repeat(Names.MAX_DEPTH + 1))).error());
    }

    @Test
    void collisionSuffixGoesBeforeTheExtension() {
        assertEquals("photo (1).jpg", Names.withSuffix("photo.jpg", 1, false));
        assertEquals("folder.v2 (3)", Names.withSuffix("folder.v2", 3, true));
        assertEquals(".bashrc (1)", Names.withSuffix(".bashrc", 1, false));
        assertEquals(List.of("a (2)"), List.of(Names.withSuffix("a", 2, false)));
    }

    @Test
    void deviceNamesBecomeOneSafeFolder() {
        assertEquals("Bob_s phone", Names.sanitizeName("Bob's phone".replace('\'', ':')));
        assertEquals("a_b_c", Names.sanitizeName("a/b\\c"));
        assertEquals("unnamed", Names.sanitizeName(".."));
    }
}
