package dev.tandem.cli;

/** The exit codes of {@code tandem}, as documented in the README. */
public final class ExitCodes {
    /** It worked. */
    public static final int OK = 0;
    /** It failed; the message says why and what to do. */
    public static final int FAILED = 1;
    /** The command line was wrong (unknown option, missing argument). */
    public static final int USAGE = 2;
    /** The data directory or its files are unusable (corrupt key or registry, no permission). */
    public static final int DATA = 3;

    private ExitCodes() {
    }
}
