package dev.tandem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ThreadCpuTest {
    @Test
    void rolesDropNodeIdsAndCounters() {
        assertEquals("tandem-netty-io", ThreadCpu.role("tandem-netty-1f36b02329-io-2-1"));
        assertEquals("tandem-handler", ThreadCpu.role("tandem-handler-94b0cbc7bd-1"));
        assertEquals("tandem-ft-writer-sync", ThreadCpu.role("tandem-ft-writer-7dae952531-sync"));
        assertEquals("GC Thread", ThreadCpu.role("GC Thread#1"));
        assertEquals("main", ThreadCpu.role("main"));
        assertEquals("decade-worker", ThreadCpu.role("decade-worker"), "short hex-looking words stay");
        assertEquals("42", ThreadCpu.role("42"), "a name that is all counter stays whole");
    }

    @Test
    void aThreadThatSpunAndEndedIsTheBusiest() throws Exception {
        var mx = ManagementFactory.getThreadMXBean();
        assertTrue(mx.isThreadCpuTimeSupported() && mx.isThreadCpuTimeEnabled(), "this JVM measures thread CPU");
        ThreadCpu cpu = ThreadCpu.start();
        long[] sink = new long[1];
        Thread spinner = new Thread(() -> {
            long start = mx.getCurrentThreadCpuTime();
            while (mx.getCurrentThreadCpuTime() - start < 500_000_000L) { // 0.5 CPU-s, far above any idle thread
                sink[0] += System.nanoTime() & 1;
            }
        }, "spinner-0123456789-7");
        spinner.start();
        spinner.join(); // gone before stop(): counted up to the sampler's last reading of it
        ThreadCpu.Busiest busiest = cpu.stop();
        assertEquals("spinner", busiest.role());
        // The readings after the last sample are lost with the thread; on a loaded machine the sampler runs late.
        assertTrue(busiest.cpuSeconds() >= 0.25 && busiest.cpuSeconds() <= 0.6, busiest.toString());
        assertSame(busiest, cpu.stop(), "stopping again returns the same figure");
    }
}
