package dev.maas.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.common.util.concurrent.ListenableFuture;
import inference.GRPCInferenceServiceGrpc;
import inference.ServerLiveRequest;
import inference.ServerLiveResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The server-wide bound on calls in flight, over a real socket: with two calls held inside the
 * service a third is refused at once with {@code RESOURCE_EXHAUSTED}; a call gives its place back
 * when it ends, a cancelled one included (once its handler has returned).
 */
class GrpcCallLimiterTest {

    /** A service whose ServerLive waits for a pass from {@link #gate}, so calls stay in flight. */
    static final class Held extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
        final Semaphore gate = new Semaphore(0);
        final Semaphore entered = new Semaphore(0);

        @Override
        public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
            entered.release();
            try {
                gate.tryAcquire(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.onNext(ServerLiveResponse.newBuilder().setLive(true).build());
            out.onCompleted();
        }
    }

    @Test
    void callsPastTheBound_areRefused_andPlacesComeBack() throws Exception {
        Held held = new Held();
        GrpcCallLimiter limiter = new GrpcCallLimiter(2);
        ExecutorService executor = Executors.newFixedThreadPool(4);
        Server server =
                NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                        .executor(executor)
                        .addService(ServerInterceptors.intercept(held, limiter))
                        .build()
                        .start();
        ManagedChannel channel =
                NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
                        .usePlaintext()
                        .build();
        try {
            GRPCInferenceServiceGrpc.GRPCInferenceServiceFutureStub async =
                    GRPCInferenceServiceGrpc.newFutureStub(channel);
            GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub blocking =
                    GRPCInferenceServiceGrpc.newBlockingStub(channel)
                            .withDeadlineAfter(30, TimeUnit.SECONDS);
            for (int round = 0; round < 2; round++) {
                List<ListenableFuture<ServerLiveResponse>> inFlight = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    inFlight.add(
                            async.withDeadlineAfter(60, TimeUnit.SECONDS)
                                    .serverLive(ServerLiveRequest.getDefaultInstance()));
                }
                // both are admitted: in round 2 this shows the places of round 1 came back
                assertThat(held.entered.tryAcquire(2, 30, TimeUnit.SECONDS)).isTrue();

                StatusRuntimeException refused =
                        catchThrowableOfType(
                                StatusRuntimeException.class,
                                () -> blocking.serverLive(ServerLiveRequest.getDefaultInstance()));
                assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                assertThat(refused.getStatus().getDescription())
                        .isEqualTo("the server is handling its maximum of 2 calls; retry later");

                inFlight.get(0).cancel(true); // the client gives up on one
                held.gate.release(2);
                try {
                    assertThat(inFlight.get(1).get(30, TimeUnit.SECONDS).getLive()).isTrue();
                } catch (ExecutionException e) {
                    throw new AssertionError(e);
                }
                // the cancelled call's place comes back once its handler has returned
                for (int i = 0; i < 3000 && limiter.available() < 2; i++) {
                    Thread.sleep(10);
                }
                assertThat(limiter.available()).isEqualTo(2);
            }
        } finally {
            held.gate.release(100);
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            executor.shutdownNow();
        }
    }
}
