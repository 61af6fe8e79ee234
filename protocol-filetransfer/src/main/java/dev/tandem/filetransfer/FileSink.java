package dev.tandem.filetransfer;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where a receiver writes a part file. The default writes through a {@link FileChannel} opened without
 * following symlinks; a test can substitute one (e.g. to simulate a full disk) with
 * {@link FileTransfer#sinkFactory(Factory)}.
 */
public interface FileSink extends Closeable {
    void write(ByteBuffer data, long position) throws IOException;

    long size() throws IOException;

    /** Extends (with a hole) or shrinks the file. */
    void setLength(long length) throws IOException;

    /** Makes written data durable. */
    void force() throws IOException;

    /** Opens part files. */
    @FunctionalInterface
    interface Factory {
        /** @param create true for a new part file (must not exist), false to continue an existing one */
        FileSink open(Path part, boolean create) throws IOException;
    }

    /** The real thing. */
    Factory DEFAULT = (part, create) -> {
        FileChannel ch = create
                ? FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)
                : FileChannel.open(part, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        return new FileSink() {
            @Override
            public void write(ByteBuffer data, long position) throws IOException {
                long pos = position;
                while (data.hasRemaining()) {
                    pos += ch.write(data, pos);
                }
            }

            @Override
            public long size() throws IOException {
                return ch.size();
            }

            @Override
            public void setLength(long length) throws IOException {
                long size = ch.size();
                if (length < size) {
                    ch.truncate(length);
                } else if (length > size) {
                    ch.write(ByteBuffer.allocate(1), length - 1); // the rest stays a hole
                }
            }

            @Override
            public void force() throws IOException {
                ch.force(false);
            }

            @Override
            public void close() throws IOException {
                ch.close();
            }
        };
    };
}
