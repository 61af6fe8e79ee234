package dev.tandem.quic;

/**
 * Counters of a {@link QuicTransport} since it started.
 *
 * @param nudges zero-length writes the watchdog issued to un-stick blocked writers
 * @param nudgedWrites writes that needed at least one nudge (stall episodes)
 * @param stalls writes that failed with a StallException after the stall timeout
 * @param authFailures inbound connections closed because the client proof failed or timed out
 * @param droppedDatagrams datagrams dropped by the socket layer (queue full, closed view), and on the Netty
 *     transport datagrams larger than their peer accepts (path MTU probes beyond its max_udp_payload_size)
 * @param sendFailures datagrams the OS refused to send (dropped, like lost packets)
 */
public record TransportStats(long nudges, long nudgedWrites, long stalls, long authFailures, long droppedDatagrams,
        long sendFailures) {
    /** A transport that keeps these counters (both QUIC transports do). */
    public interface Source {
        TransportStats stats();
    }
}
