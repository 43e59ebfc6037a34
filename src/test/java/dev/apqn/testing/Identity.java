package dev.apqn.testing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Who a test client acts as, through Kubernetes impersonation: a user name, its groups and its
 * {@code extra} attributes (what admission sees as {@code request.userInfo.extra}).
 */
public record Identity(String user, List<String> groups, Map<String, List<String>> extra) {

  public Identity {
    Objects.requireNonNull(user, "user");
    groups = List.copyOf(groups);
    extra = Map.copyOf(extra);
  }

  /** A plain user; the API server adds {@code system:authenticated} itself. */
  public static Identity user(String name, String... groups) {
    return new Identity(name, List.of(groups), Map.of());
  }

  /**
   * A service account, with the user name and groups the token authenticator would give it, so
   * RBAC bindings to the account or to its namespace's group behave as for a real token.
   */
  public static Identity serviceAccount(String namespace, String name) {
    return new Identity("system:serviceaccount:" + namespace + ":" + name,
        List.of("system:serviceaccounts", "system:serviceaccounts:" + namespace), Map.of());
  }

  /** This identity with one more {@code extra} attribute (keys may contain '/', as real ones do). */
  public Identity withExtra(String key, String... values) {
    var more = new LinkedHashMap<>(extra);
    more.put(key, List.of(values));
    return new Identity(user, groups, more);
  }

  /** This identity with more groups. */
  public Identity withGroups(String... more) {
    var all = new java.util.ArrayList<>(groups);
    all.addAll(List.of(more));
    return new Identity(user, all, extra);
  }
}
