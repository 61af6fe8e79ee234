package dev.tandem.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * {@code tandem} as a child process on this test's class path, as a user's shell would run it: its stdout
 * lines can be awaited one by one (with a deadline, never a sleep), both pipes are always drained, and
 * {@link #close()} destroys it.
 */
final class TandemProcess implements AutoCloseable {
    private final String name;
    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private boolean ended;
    private final StringBuffer out = new StringBuffer();
    private final StringBuffer err = new StringBuffer();
    private final CountDownLatch drained = new CountDownLatch(2);

    private TandemProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        pump(process.getInputStream(), l -> {
            out.append(l).append('\n');
            synchronized (lines) {
                lines.add(l);
                lines.notifyAll();
            }
        }, () -> {
            synchronized (lines) {
                ended = true;
                lines.notifyAll();
            }
        });
        pump(process.getErrorStream(), l -> err.append(l).append('\n'), () -> { });
    }

    /**
     * JIT and GC settings for short-lived JVMs: they start with less CPU (the machine running the tests may be
     * busy); `tandem demo` hands them on to its nodes.
     */
    private static final List<String> QUICK_START = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    /** Starts {@code tandem args...}; {@code jvmOptions} go before the main class. */
    static TandemProcess start(List<String> jvmOptions, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(DemoNode.javaCommand());
        cmd.addAll(1, QUICK_START);
        cmd.addAll(1, jvmOptions);
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        return new TandemProcess(String.join(" ", args), p);
    }

    static TandemProcess start(String... args) throws IOException {
        return start(List.of(), args);
    }

    /**
     * The first stdout line, printed so far or from now on, that {@code wanted} accepts (tests sharing a
     * process each find their own lines, in any order); fails at the deadline or when the process ends.
     */
    String awaitLine(Predicate<String> wanted, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lines) {
            for (int seen = 0;;) {
                for (; seen < lines.size(); seen++) {
                    if (wanted.test(lines.get(seen))) {
                        return lines.get(seen);
                    }
                }
                long left = deadline - System.nanoTime();
                if (ended || left <= 0) {
                    throw new AssertionError("`tandem " + name + "` " + (ended ? "ended without printing"
                            : "did not print within " + timeout.toSeconds() + " s") + " the line awaited; stdout:\n"
                            + out + "stderr:\n" + err);
                }
                TimeUnit.NANOSECONDS.timedWait(lines, left);
            }
        }
    }

    /** Waits for the process to end; its exit code and everything it printed. */
    CliRunner.Result awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) || !drained.await(10, TimeUnit.SECONDS)) {
            close();
            throw new AssertionError("`tandem " + name + "` did not finish in " + timeout.toSeconds() + " s; stdout:\n"
                    + out + "stderr:\n" + err);
        }
        return new CliRunner.Result(process.exitValue(), out.toString(), err.toString());
    }

    /** Stops the process (SIGTERM, so `tandem up` closes its node), forcibly if it does not end. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private void pump(InputStream in, Consumer<String> each, Runnable atEnd) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null;) {
                    each.accept(l);
                }
            } catch (IOException e) {
                err.append("[test: reading the pipe failed: ").append(e).append("]\n");
            } finally {
                atEnd.run();
                drained.countDown();
            }
        }, "tandem-child-pipe");
        t.setDaemon(true);
        t.start();
    }
}
