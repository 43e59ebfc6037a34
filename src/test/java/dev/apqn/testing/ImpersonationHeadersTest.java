package dev.apqn.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Extra keys become HTTP header names; the API server lower-cases and percent-decodes them. */
class ImpersonationHeadersTest {

  @ParameterizedTest
  @CsvSource({
      "team, team",
      "apqn.dev/team, apqn.dev%2Fteam",
      "authentication.kubernetes.io/pod-name, authentication.kubernetes.io%2Fpod-name",
      "a b%c, a%20b%25c",
  })
  void escapesWhatIsNotAHeaderToken(String key, String header) {
    assertThat(LocalControlPlane.escapeExtraKey(key)).isEqualTo(header);
  }
}
