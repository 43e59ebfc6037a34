package dev.apqn.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the annotated test class against the JVM's one real kube-apiserver + etcd (see
 * {@link KubeApiServerExtension}). Test methods, constructors and lifecycle methods may declare
 * parameters of type {@link LocalControlPlane} or {@code KubernetesClient} (the admin client).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(KubeApiServerExtension.class)
public @interface WithKubeApiServer {

  /**
   * CRDs the class needs, applied (server-side, idempotent) and Established before its first
   * test: classpath resources, files, or directories of *.yaml (e.g. {@code "smoke/widgets.yaml"}
   * or {@code "crds"}).
   */
  String[] crds() default {};
}
