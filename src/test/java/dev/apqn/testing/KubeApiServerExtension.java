package dev.apqn.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * JUnit 5 extension behind {@link WithKubeApiServer}: one {@link LocalControlPlane} per test JVM,
 * started by the first class that needs it and kept in the root context's store, so every later
 * class reuses it (start-up costs seconds; the ITs stay independent by using their own namespaces
 * and names). JUnit closes the store's {@link AutoCloseable} values when the whole run ends,
 * passing or failing; the control plane's shutdown hook and {@link ProcessReaper} cover a JVM that
 * ends any other way.
 */
public final class KubeApiServerExtension implements BeforeAllCallback, ParameterResolver {

  private static final ExtensionContext.Namespace NS =
      ExtensionContext.Namespace.create(KubeApiServerExtension.class);

  /** The JVM's control plane, started on first use. */
  public static LocalControlPlane controlPlane(ExtensionContext context) {
    return context.getRoot().getStore(NS)
        .computeIfAbsent(Shared.class, k -> new Shared(LocalControlPlane.start()), Shared.class)
        .controlPlane();
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    var cp = controlPlane(context);
    AnnotationSupport.findAnnotation(context.getRequiredTestClass(), WithKubeApiServer.class)
        .map(WithKubeApiServer::crds)
        .filter(crds -> crds.length > 0)
        .ifPresent(cp::applyCrds);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == LocalControlPlane.class || type == KubernetesClient.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    var cp = controlPlane(context);
    return parameter.getParameter().getType() == LocalControlPlane.class ? cp : cp.adminClient();
  }

  /** Store value; AutoCloseable, so JUnit stops the control plane when the root context closes. */
  private record Shared(LocalControlPlane controlPlane) implements AutoCloseable {
    @Override
    public void close() {
      controlPlane.stop();
    }
  }
}
