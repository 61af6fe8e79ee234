package dev.tandem.filetransfer;

import java.io.InterruptedIOException;
import java.util.concurrent.locks.Condition;

/** The daemon threads a transfer runs beside its own (read-ahead, hashing, part-file writing). */
final class Workers {
    private Workers() {
    }

    /** A daemon: a transfer's helper must never keep the JVM alive. */
    static Thread startDaemon(Runnable body, String name) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * Waits for {@code t} to end even if this thread is interrupted, then restores the interrupt: a helper that still
     * reads or writes a file must not have that file closed under it.
     */
    static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits on {@code c} (its lock held); an interrupt becomes an {@link InterruptedIOException} naming {@code what} was
     * awaited, with the interrupt kept, so a cancelled transfer's thread stops waiting on its helper.
     */
    static void await(Condition c, String what) throws InterruptedIOException {
        try {
            c.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + what);
        }
    }
}
