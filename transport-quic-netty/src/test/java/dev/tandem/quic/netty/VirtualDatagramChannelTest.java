package dev.tandem.quic.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class VirtualDatagramChannelTest {
    @Test
    void writabilityRechecksAskedWhileOneIsPendingCostOnePass() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            VirtualDatagramChannel ch = new VirtualDatagramChannel(null, "test");
            AtomicInteger passes = new AtomicInteger();
            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                    passes.incrementAndGet();
                }
            });
            group.register(ch).sync();
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            ch.eventLoop().execute(() -> {
                held.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(held.await(10, TimeUnit.SECONDS));
            for (int i = 0; i < 100; i++) { // 100 waiting writers while the loop is busy
                ch.recheckWritability();
            }
            release.countDown();
            ch.eventLoop().submit(() -> { }).sync(); // runs after the pending pass
            assertEquals(1, passes.get());

            ch.recheckWritability(); // once that pass ran, a new request gets a pass of its own
            ch.eventLoop().submit(() -> { }).sync();
            assertEquals(2, passes.get());
        } finally {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }
}
