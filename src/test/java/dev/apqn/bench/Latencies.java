package dev.apqn.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;

/** Latency arithmetic on System.nanoTime stamps: pairwise differences in ms, percentiles (nearest rank). */
final class Latencies {

    private Latencies() {
    }

    /** {@code to[k] - from[k]} in ms, for every k where both are set (non-zero). */
    static double[] between(long[] from, long[] to) {
        return java.util.stream.IntStream.range(0, from.length).filter(k -> from[k] != 0 && to[k] != 0)
                .mapToDouble(k -> (to[k] - from[k]) / 1e6).toArray();
    }

    static Map<String, Object> percentiles(double[] ms) {
        double[] s = ms.clone();
        Arrays.sort(s);
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("count", s.length);
        DoubleUnaryOperator q = f -> s.length == 0 ? Double.NaN
                : Math.round(s[Math.max(0, (int) Math.ceil(f * s.length) - 1)] * 10.0) / 10.0;
        p.put("p50", q.applyAsDouble(0.50));
        p.put("p95", q.applyAsDouble(0.95));
        p.put("p99", q.applyAsDouble(0.99));
        p.put("max", q.applyAsDouble(1.0));
        p.put("mean", s.length == 0 ? Double.NaN : Math.round(Arrays.stream(s).average().orElse(0) * 10.0) / 10.0);
        return p;
    }

    static long max(long[] a) {
        return Arrays.stream(a).max().orElse(0);
    }
}
