package dev.tandem.core.io;

/** A peer declared a frame longer than the limit; nothing was allocated for it. */
public class FrameTooLargeException extends MalformedFrameException {
    private final long declared;
    private final int limit;

    public FrameTooLargeException(long declared, int limit) {
        super("frame of " + declared + " bytes exceeds the limit of " + limit + " bytes");
        this.declared = declared;
        this.limit = limit;
    }

    public long declared() {
        return declared;
    }

    public int limit() {
        return limit;
    }
}
