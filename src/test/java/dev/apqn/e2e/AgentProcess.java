package dev.apqn.e2e;

import dev.apqn.apbus.Sysfs;
import dev.apqn.apbus.SysfsException;
import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One simulated agent process, for crash injection: it sees every host write (as a {@link Sysfs}
 * decorator of the node's sysfs) and every request to the API server (as the {@link Interceptor} of
 * the agent's own client), counts host writes and status writes ({@code PATCH .../apnodestates/<node>/status}),
 * and dies just before or just after the N-th one. A dead process does nothing more: every sysfs call
 * throws an {@link Error} (no production catch block swallows it) and every API request is sent to a
 * path that does not exist, so nothing more reaches the kernel or the API server. Only the kernel, the
 * ledger directory and the API server survive it.
 */
final class AgentProcess implements Interceptor {

    enum Point { HOST_WRITE, STATUS_WRITE }

    /** A crash point: before or after the {@code n}-th write of a kind, counted from when it is armed. */
    record CrashPoint(Point point, int n, boolean before) {
        @Override
        public String toString() {
            return (before ? "before " : "after ") + (point == Point.HOST_WRITE ? "host write " : "status write ") + n;
        }
    }

    static final class Died extends Error {
        Died(String where) {
            super("simulated agent crash " + where, null, false, false);
        }
    }

    private final String node;
    private final AtomicInteger hostWrites = new AtomicInteger();
    private final AtomicInteger statusWrites = new AtomicInteger();
    final List<String> hostPaths = new CopyOnWriteArrayList<>();
    private final CountDownLatch died = new CountDownLatch(1);
    private volatile boolean dead;
    private volatile Point armed;
    private volatile int at;
    private volatile int base;
    private volatile boolean before;
    volatile String diedAt;

    AgentProcess(String node) {
        this.node = node;
    }

    int hostWrites() {
        return hostWrites.get();
    }

    int statusWrites() {
        return statusWrites.get();
    }

    /** Arms a crash at {@code p}, counted from now. */
    void arm(CrashPoint p) {
        base = p.point() == Point.HOST_WRITE ? hostWrites.get() : statusWrites.get();
        at = base + p.n();
        before = p.before();
        armed = p.point();
    }

    boolean awaitDeath(long seconds) throws InterruptedException {
        return died.await(seconds, TimeUnit.SECONDS);
    }

    boolean dead() {
        return dead;
    }

    private void die(String where) {
        dead = true;
        armed = null;
        diedAt = where;
        died.countDown();
    }

    // ------------------------------------------------------------------ host writes

    Sysfs wrap(Sysfs delegate) {
        return new Sysfs() {
            private void alive() {
                if (dead) {
                    throw new Died("(the process is dead)");
                }
            }

            @Override
            public String read(String path) throws SysfsException {
                alive();
                return delegate.read(path);
            }

            @Override
            public void write(String path, String value) throws SysfsException {
                synchronized (AgentProcess.this) {
                    alive();
                    int k = hostWrites.incrementAndGet();
                    boolean here = armed == Point.HOST_WRITE && k == at;
                    if (here && before) {
                        die("before host write " + (k - base) + " (" + path + ")");
                        throw new Died(diedAt);
                    }
                    hostPaths.add(path);
                    delegate.write(path, value);
                    if (here) {
                        die("after host write " + (k - base) + " (" + path + ")");
                        throw new Died(diedAt);
                    }
                }
            }

            @Override
            public List<String> list(String path) throws SysfsException {
                alive();
                return delegate.list(path);
            }

            @Override
            public boolean exists(String path) throws SysfsException {
                alive();
                return delegate.exists(path);
            }

            @Override
            public Optional<String> readLink(String path) throws SysfsException {
                alive();
                return delegate.readLink(path);
            }
        };
    }

    // ------------------------------------------------------------------ API requests

    private boolean statusWrite(HttpRequest r) {
        return "PATCH".equals(r.method()) && r.uri().getPath().endsWith("/apnodestates/" + node + "/status");
    }

    private static URI nowhere(HttpRequest r) {
        URI u = r.uri();
        return URI.create(u.getScheme() + "://" + u.getAuthority() + "/apis/apqn.dev/v1alpha1/e2e-dead-agent-process");
    }

    @Override
    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
        synchronized (this) {
            if (!dead && statusWrite(request)) {
                int k = statusWrites.incrementAndGet();
                if (armed == Point.STATUS_WRITE && k == at && before) {
                    die("before status write " + (k - base));
                }
            }
        }
        if (dead) {
            builder.uri(nowhere(request));
        }
    }

    @Override
    public void after(HttpRequest request, HttpResponse<?> response, AsyncBody.Consumer<List<ByteBuffer>> consumer) {
        synchronized (this) {
            if (!dead && statusWrite(request) && armed == Point.STATUS_WRITE && !before && statusWrites.get() == at) {
                die("after status write " + (at - base) + " (HTTP " + response.code() + ")");
            }
        }
    }
}
