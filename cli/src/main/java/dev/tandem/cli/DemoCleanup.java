package dev.tandem.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What {@code tandem demo} leaves behind until it ends: its node processes and its temporary directory. */
final class DemoCleanup {
    private static final Logger log = LoggerFactory.getLogger(DemoCleanup.class);
    final Path dir;
    private final List<DemoNode> nodes = new CopyOnWriteArrayList<>();
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile boolean signalled;

    DemoCleanup(Path dir) {
        this.dir = dir;
    }

    DemoNode add(DemoNode node) {
        nodes.add(node);
        return node;
    }

    /** After success: each node is asked to stop (`tandem down`), then the directory goes. */
    void stop() throws IOException, InterruptedException {
        if (done.compareAndSet(false, true)) {
            for (DemoNode n : nodes) {
                n.stop();
            }
            BenchNodes.deleteTree(dir);
        }
    }

    /** After a failure: the nodes are terminated; a cleanup problem is logged, the failure is what gets reported. */
    void afterFailure() throws InterruptedException {
        if (done.compareAndSet(false, true)) {
            for (DemoNode n : nodes) {
                n.terminate();
            }
            deleteLogging();
        }
    }

    /** Ctrl-C or another signal (a shutdown hook): as after a failure. */
    void onSignal() {
        signalled = true;
        try {
            afterFailure();
        } catch (InterruptedException e) {
            log.warn("interrupted while stopping the demo's nodes; some may still run: {}", nodes.stream()
                    .map(n -> n.name + " (pid " + n.pid() + ")").toList());
            Thread.currentThread().interrupt();
        }
    }

    /** Whether a signal ended the demo (then its steps fail because their nodes are gone, not on their own). */
    boolean signalled() {
        return signalled;
    }

    private void deleteLogging() {
        try {
            if (Files.exists(dir)) {
                BenchNodes.deleteTree(dir);
            }
        } catch (IOException e) {
            log.warn("could not delete the demo's temporary directory {}; delete it yourself: {}", dir, e.toString());
        }
    }
}
