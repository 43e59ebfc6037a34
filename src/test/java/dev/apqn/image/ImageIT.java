package dev.apqn.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator's container image as `make image` and `make test` write it (pom property image.tar,
 * target/image/apqn-operator-image.tar): one image for both roles that starts the Quarkus fast-jar with
 * the image's own java, as a numeric non-root user, from application files that user cannot change (so
 * the root filesystem can be read-only), labelled with the source, version and commit it was built from.
 * A missing tar fails the run (with how to build it), it is never skipped.
 */
class ImageIT {

    private static final String REPOSITORY = "ghcr.io/apqn-dev/apqn-operator";
    private static final String APP_DIR = "deployments";

    private static ImageArchive image;
    private static String version;

    @BeforeAll
    static void readImage() throws IOException {
        Path tar = Path.of(property("imageit.tar"));
        if (!Files.isRegularFile(tar)) {
            fail("No image tar at " + tar + ". Build it with `make image`, or run `make test`, which builds it before"
                    + " the tests; a plain `mvn verify` does not (quarkus.container-image.build=false).");
        }
        version = property("imageit.version");
        image = ImageArchive.read(tar, path -> path.startsWith(APP_DIR + "/app/"));
    }

    @Test
    void isTaggedForTheRegistryWithTheProjectVersion() {
        assertThat(image.repoTags()).containsExactly(REPOSITORY + ":" + version);
    }

    @Test
    void startsTheQuarkusFastJarWithTheJavaOfTheImage() {
        List<String> command = new ArrayList<>();
        image.runConfig().path("Entrypoint").forEach(arg -> command.add(arg.asText()));
        image.runConfig().path("Cmd").forEach(arg -> command.add(arg.asText()));
        assertThat(command).as("entrypoint + cmd").isNotEmpty();

        assertThat(command.get(0)).as("the program the container runs").matches("(.*/)?java");
        assertThat(onPath(command.get(0)))
                .as("%s, looked up in the image's PATH %s", command.get(0), env("PATH"))
                .hasValueSatisfying(java -> {
                    assertThat(java.type()).isEqualTo(ImageFile.Type.FILE);
                    assertThat(java.executable()).isTrue();
                });

        int jarFlag = command.indexOf("-jar");
        assertThat(jarFlag).as("-jar in %s", command).isPositive().isLessThan(command.size() - 1);
        String jar = command.get(jarFlag + 1);
        assertThat(jar).endsWith("quarkus-run.jar");
        assertThat(image.files().resolve(workingDir(), jar))
                .as("%s (working directory %s) in the image", jar, workingDir())
                .hasValueSatisfying(file -> assertThat(file.type()).isEqualTo(ImageFile.Type.FILE));
    }

    @Test
    void runsAsANumericNonRootUser() {
        String user = image.runConfig().path("User").asText();
        // numeric, so the kubelet can check runAsNonRoot without a passwd lookup
        assertThat(user).as("image user").matches("\\d+(:\\d+)?");
        assertThat(Long.parseLong(user.split(":")[0])).as("uid of %s", user).isNotZero();
    }

    @Test
    void isLabelledWithItsSourceVersionAndCommit() {
        String revision = property("imageit.revision");
        assertThat(revision)
                .as("the commit the build was given (-Dimage.revision=$(git rev-parse HEAD), as `make image` passes it)")
                .matches("[0-9a-f]{40}");
        assertThat(label("org.opencontainers.image.revision")).isEqualTo(revision);
        assertThat(label("org.opencontainers.image.version")).isEqualTo(version);
        assertThat(label("org.opencontainers.image.source")).isEqualTo("https://github.com/apqn-dev/apqn-operator");
        assertThat(label("org.opencontainers.image.title")).isEqualTo("apqn-operator");
        assertThat(label("org.opencontainers.image.description")).contains("APQN");
    }

    @Test
    void carriesTheApplicationOfThisBuild() throws IOException {
        String jarName = "apqn-operator-" + version + ".jar";
        Path built = Path.of(property("imageit.quarkus-app"), "app", jarName);
        String builtSha256;
        try (InputStream in = Files.newInputStream(built)) {
            builtSha256 = ImageArchive.sha256(in);
        }
        assertThat(image.files().entry(APP_DIR + "/app/" + jarName))
                .as("%s in the image", jarName)
                .hasValueSatisfying(jar -> assertThat(jar.sha256())
                        .as("SHA-256 of %s in the image vs %s: unequal means the image tar is older than this"
                                + " build (`make image` rebuilds both)", jarName, built)
                        .isEqualTo(builtSha256));
        assertThat(image.files().under(APP_DIR + "/lib/main"))
                .as("the application's dependencies")
                .anySatisfy(lib -> assertThat(lib.path()).contains("/net.java.dev.jna.jna-"));
    }

    @Test
    void appFilesBelongToRootAndAreReadOnlyForTheRuntimeUser() {
        assertThat(workingDir()).isEqualTo("/" + APP_DIR);
        // the runtime user neither owns nor may write any application file: nothing of the app changes
        // at run time, and a read-only root filesystem (only /tmp writable) breaks nothing
        assertThat(image.files().under(APP_DIR)).isNotEmpty().allSatisfy(file -> {
            assertThat(file.uid()).as("owner of %s", file.path()).isZero();
            assertThat(file.writableByGroupOrOthers()).as("%s writable by group/others", file.path()).isFalse();
        });
    }

    private static Optional<ImageFile> onPath(String program) {
        if (program.contains("/")) {
            return image.files().resolve(workingDir(), program);
        }
        for (String dir : env("PATH").split(":")) {
            Optional<ImageFile> found = image.files().resolve(workingDir(), dir + "/" + program)
                    .filter(file -> file.type() == ImageFile.Type.FILE && file.executable());
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    private static String env(String name) {
        for (JsonNode entry : image.runConfig().path("Env")) {
            if (entry.asText().startsWith(name + "=")) {
                return entry.asText().substring(name.length() + 1);
            }
        }
        return "";
    }

    private static String workingDir() {
        String dir = image.runConfig().path("WorkingDir").asText();
        return dir.isEmpty() ? "/" : dir;
    }

    private static String label(String name) {
        return image.runConfig().path("Labels").path(name).asText(null);
    }

    /** Set by the failsafe configuration in pom.xml. */
    private static String property(String name) {
        String value = System.getProperty(name);
        if (value == null) {
            fail("system property " + name + " is not set (failsafe systemPropertyVariables in pom.xml)");
        }
        return value;
    }
}
