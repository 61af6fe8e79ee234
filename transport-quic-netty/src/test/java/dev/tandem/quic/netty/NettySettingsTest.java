package dev.tandem.quic.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NettySettingsTest {
    @Test
    void noOptionsGiveTheMeasuredDefaults() {
        NettySettings s = NettySettings.fromOptions(Map.of());
        assertEquals(NettySettings.DEFAULTS, s);
        assertEquals("bbr", s.congestionControl());
        assertTrue(s.epoll());
        assertEquals(10, s.gsoSegments());
        assertEquals(0, s.recvBatch());
    }

    @Test
    void everyKeyIsRead() {
        NettySettings s = NettySettings.fromOptions(Map.of("authTimeoutMs", "700", "stallTimeoutMs", "0",
                "netty.congestionControl", " CUBIC ", "netty.epoll", "False", "netty.gsoSegments", "32",
                "netty.recvBatch", "16", "netty.maxUdpPayload", "1452", "netty.pmtuMaxPayload", "9000"));
        assertEquals(Duration.ofMillis(700), s.authTimeout());
        assertEquals(Duration.ZERO, s.stallTimeout());
        assertEquals("cubic", s.congestionControl());
        assertFalse(s.epoll());
        assertEquals(32, s.gsoSegments());
        assertEquals(16, s.recvBatch());
        assertEquals(1452, s.maxUdpPayload());
        assertEquals(9000, s.pmtuMaxPayload());
        assertEquals(0, NettySettings.fromOptions(Map.of("netty.pmtuMaxPayload", "0")).pmtuMaxPayload());
    }

    @Test
    void badValuesAreRefusedByName() {
        assertMessage(Map.of("netty.recvBatch", "65"), "netty.recvBatch");
        assertMessage(Map.of("netty.recvBatch", "-1"), "netty.recvBatch");
        assertMessage(Map.of("netty.gsoSegments", "many"), "netty.gsoSegments");
        assertMessage(Map.of("netty.epoll", "yes"), "netty.epoll");
        assertMessage(Map.of("netty.congestionControl", "vegas"), "netty.congestionControl");
        assertMessage(Map.of("netty.maxUdpPayload", "1100"), "netty.maxUdpPayload");
        assertMessage(Map.of("netty.pmtuMaxPayload", "16384"), "netty.pmtuMaxPayload"); // quiche cannot reach it
        assertMessage(Map.of("netty.pmtuMaxPayload", "1300"), "netty.pmtuMaxPayload"); // below maxUdpPayload
    }

    private static void assertMessage(Map<String, String> options, String key) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NettySettings.fromOptions(options));
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }
}
