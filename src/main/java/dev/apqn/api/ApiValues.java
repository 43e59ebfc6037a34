package dev.apqn.api;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Value equality of our CRD classes (spec and status trees), field by field, without a JSON round
 * trip: a reconcile compares what it would write with what is there on every pass, so this runs
 * often. Our classes ({@code dev.apqn.api..}) are compared by their non-static fields, collections
 * element by element, everything else (Fabric8 model classes, enums, strings, numbers) by
 * {@code equals}. A null and an empty collection or map are the same value: both mean "none" to a
 * user, and writing one over the other would be a write that changes nothing.
 */
public final class ApiValues {

    private static final Map<Class<?>, List<Field>> FIELDS = new ConcurrentHashMap<>();

    private ApiValues() {
    }

    public static boolean same(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return empty(a) && empty(b);
        }
        if (a instanceof Collection<?> ca && b instanceof Collection<?> cb) {
            if (ca.size() != cb.size()) {
                return false;
            }
            Iterator<?> ib = cb.iterator();
            for (Object x : ca) {
                if (!same(x, ib.next())) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            if (ma.size() != mb.size()) {
                return false;
            }
            for (var e : ma.entrySet()) {
                if (!mb.containsKey(e.getKey()) || !same(e.getValue(), mb.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        if (a.getClass() != b.getClass()) {
            return false;
        }
        if (!ours(a.getClass())) {
            return a.equals(b);
        }
        for (Field f : fields(a.getClass())) {
            try {
                if (!same(f.get(a), f.get(b))) {
                    return false;
                }
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
        return true;
    }

    private static boolean empty(Object o) {
        return o == null || o instanceof Collection<?> c && c.isEmpty() || o instanceof Map<?, ?> m && m.isEmpty();
    }

    private static boolean ours(Class<?> c) {
        return !c.isEnum() && c.getPackageName().startsWith("dev.apqn.api");
    }

    private static List<Field> fields(Class<?> type) {
        return FIELDS.computeIfAbsent(type, t -> {
            List<Field> out = new ArrayList<>();
            for (Class<?> c = t; c != null && c != Object.class; c = c.getSuperclass()) {
                for (Field f : c.getDeclaredFields()) {
                    if (!Modifier.isStatic(f.getModifiers()) && !f.isSynthetic()) {
                        f.setAccessible(true);
                        out.add(f);
                    }
                }
            }
            return List.copyOf(out);
        });
    }
}
