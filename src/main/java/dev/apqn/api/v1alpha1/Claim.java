package dev.apqn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

import java.util.List;

/** Why a set of APQNs is off the host, and on whose behalf ({@link dev.apqn.plan.OffHostClaim}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Claim {

    /** The kinds of {@link dev.apqn.plan.OffHostClaim.Kind}, in the API's spelling. */
    public enum Kind {
        Reserved,
        Collateral,
        Kept,
        Admin
    }

    @JsonPropertyDescription("Reserved (a reservation's matrix), Collateral (pulled in by a mask bit), Kept (after"
            + " release with releasePolicy: Keep) or Admin (declared by an APQNPolicy).")
    @Required
    private Kind kind;

    @JsonPropertyDescription("'namespace/name' of the reservation, or the APQNPolicy name for Admin.")
    @Required
    private String owner;

    @JsonPropertyDescription("Single APQNs of the claim (older controllers wrote Kept claims this way; the controller"
            + " now writes rectangles only, readers take apqns plus rectangles). " + Docs.APQN_LIST)
    @ListType("set")
    private List<String> apqns;

    @JsonPropertyDescription("The claim's APQNs as rectangles 'adapters:domains', each side a decimal range list,"
            + " e.g. '0-255:4-5' (adapters 0-255 x domains 4-5); adapters with the same domains share one entry, so a"
            + " mask-mode collateral over every adapter stays one line. The claim holds apqns plus every rectangle. Every"
            + " kind (Kept included) is written this way.")
    @ListType("set")
    private List<String> rectangles;

    public Kind getKind() {
        return kind;
    }

    public void setKind(Kind kind) {
        this.kind = kind;
    }

    public String getOwner() {
        return owner;
    }

    public void setOwner(String owner) {
        this.owner = owner;
    }

    public List<String> getApqns() {
        return apqns;
    }

    public List<String> getRectangles() {
        return rectangles;
    }

    public void setRectangles(List<String> rectangles) {
        this.rectangles = rectangles;
    }

    public void setApqns(List<String> apqns) {
        this.apqns = apqns;
    }
}
