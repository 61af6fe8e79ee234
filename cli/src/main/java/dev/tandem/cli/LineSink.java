package dev.tandem.cli;

import java.io.Writer;
import java.util.function.Consumer;

/** A writer that hands every complete line written to it to a consumer (the line without its end). */
final class LineSink extends Writer {
    private final Consumer<String> lines;
    private final StringBuilder partial = new StringBuilder();

    LineSink(Consumer<String> lines) {
        this.lines = lines;
    }

    @Override
    public synchronized void write(char[] c, int off, int len) {
        for (int i = off; i < off + len; i++) {
            if (c[i] == '\n') {
                int end = partial.length() > 0 && partial.charAt(partial.length() - 1) == '\r' ? partial.length() - 1
                        : partial.length();
                lines.accept(partial.substring(0, end));
                partial.setLength(0);
            } else {
                partial.append(c[i]);
            }
        }
    }

    @Override
    public void flush() {
        // lines are handed on as soon as they are complete
    }

    @Override
    public void close() {
        // nothing held but a partial line, which is not a line
    }
}
