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
        assertThrows(EOFException.class, () -> Frames.readRequiredInto(new ByteArrayInputStream(new byte[0]), new byte[10]));
    }

    @Test
    void prefixedWritesAndReadsIntoOneBufferMatchTheCopyingForms() throws Exception {
        byte[] payload = new byte[5000];
        new Random(2).nextBytes(payload);
        byte[] prefixed = new byte[Frames.HEADER_BYTES + payload.length + 10]; // room to spare is left alone
        System.arraycopy(payload, 0, prefixed, Frames.HEADER_BYTES, payload.length);
        ByteArrayOutputStream viaPrefix = new ByteArrayOutputStream();
        Frames.writePrefixed(viaPrefix, prefixed, payload.length);
        Frames.writePrefixed(viaPrefix, prefixed, 0);
        ByteArrayOutputStream viaCopy = new ByteArrayOutputStream();
        Frames.write(viaCopy, payload);
        Frames.write(viaCopy, new byte[0]);
        assertArrayEquals(viaCopy.toByteArray(), viaPrefix.toByteArray());
        assertThrows(IndexOutOfBoundsException.class, () -> Frames.writePrefixed(viaPrefix, prefixed, prefixed.length));

        InputStream in = new ByteArrayInputStream(viaCopy.toByteArray());
        byte[] buf = new byte[payload.length];
        assertEquals(payload.length, Frames.readInto(in, buf));
        assertArrayEquals(payload, buf);
        assertEquals(0, Frames.readInto(in, buf));
        assertEquals(-1, Frames.readInto(in, buf));
    }

    @Test
    void aFrameLongerThanTheReadersBufferIsRefusedFromItsHeader() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Frames.write(out, new byte[11]);
        FrameTooLargeException e = assertThrows(FrameTooLargeException.class,
                () -> Frames.readInto(new ByteArrayInputStream(out.toByteArray()), new byte[10]));
        assertEquals(11, e.declared());
        assertEquals(10, e.limit());
        assertThrows(MalformedFrameException.class,
                () -> Frames.readInto(new ByteArrayInputStream(new byte[] {0, 0, 0, 5, 1, 2}), new byte[10]));
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
