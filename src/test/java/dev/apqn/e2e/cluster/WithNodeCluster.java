package dev.apqn.e2e.cluster;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the annotated *E2E class on the test JVM's one {@link NodeCluster} (see
 * {@link NodeClusterExtension}): parameters of type {@link NodeCluster} or {@code KubernetesClient}
 * (cluster admin) are injected. Without a Docker engine or the node image the class is disabled
 * (reported as skipped, the reason logged), unless {@code -De2e.required=true} (CI) makes that
 * an error.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(NodeClusterExtension.class)
public @interface WithNodeCluster {
}
