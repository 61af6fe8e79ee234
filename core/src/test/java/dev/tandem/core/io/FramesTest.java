package dev.tandem.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.InputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FramesTest {
    @Test
    void roundTripOfSeveralFramesThenCleanEnd() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] big = new byte[70_000];
        new Random(1).nextBytes(big);
        Frames.write(out, new byte[0]);
        Frames.write(out, "hi".getBytes());
        Frames.write(out, big);
        InputStream in = new ByteArrayInputStream(out.toByteArray());
        assertArrayEquals(new byte[0], Frames.read(in, 100_000));
        assertArrayEquals("hi".getBytes(), Frames.read(in, 100_000));
        assertArrayEquals(big, Frames.read(in, 100_000));
        assertNull(Frames.read(in, 100_000));
        assertThrows(EOFException.class, () -> Frames.readRequired(new ByteArrayInputStream(new byte[0]), 10));
    }

    @Test
    void oversizedLengthIsRefusedBeforeAllocation() {
        // 0xFFFFFFFF would be 4 GiB: it must be refused from the header alone.
        InputStream in = new ByteArrayInputStream(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff});
        FrameTooLargeException e = assertThrows(FrameTooLargeException.class, () -> Frames.read(in, Frames.DEFAULT_MAX));
        assertEquals(0xffffffffL, e.declared());
        assertEquals(Frames.DEFAULT_MAX, e.limit());
    }

    @Test
    void truncatedFramesAreMalformed() {
        assertThrows(MalformedFrameException.class, () -> Frames.read(new ByteArrayInputStream(new byte[] {0, 0}), 10));
        assertThrows(MalformedFrameException.class,
                () -> Frames.read(new ByteArrayInputStream(new byte[] {0, 0, 0, 5, 1, 2}), 10));
    }

    @Test
    void randomBytesNeverCrashTheReader() {
        Random r = new Random(99);
        for (int i = 0; i < 2000; i++) {
            byte[] junk = new byte[r.nextInt(40)];
            r.nextBytes(junk);
            InputStream in = new ByteArrayInputStream(junk);
            try {
                while (Frames.read(in, 16) != null) {
                    // keep reading
                }
            } catch (MalformedFrameException expected) {
                // typed refusal is the only acceptable failure
            } catch (Exception e) {
                throw new AssertionError("untyped failure on " + java.util.Arrays.toString(junk), e);
            }
        }
    }
}
