package dev.apqn.apbus;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The AP bus attributes under {@code /sys/bus/ap/} (ap-bus.md §1.2).
 *
 * @param apmask                 adapters owned by the host drivers (with aqmask)
 * @param aqmask                 domains owned by the host drivers (with apmask)
 * @param hostAdapters           QCI adapter mask ({@code ap_adapter_mask}); empty if "not supported"
 * @param hostUsageDomains       QCI usage domain mask; empty if "not supported"
 * @param hostControlDomains     QCI control domain mask; empty if "not supported"
 * @param maxAdapterId           {@code ap_max_adapter_id}
 * @param maxDomainId            {@code ap_max_domain_id}
 * @param apDomain               {@code ap_domain}, -1 when none is selected
 * @param bindings               {@code bindings}; empty on kernels without it (before ≈5.11)
 * @param scans                  {@code scans} counter; empty on kernels without it
 * @param features               {@code features} words (6.4+); empty set when the file is absent or prints "-"
 */
public record ApBusState(
        ApMask apmask,
        ApMask aqmask,
        Optional<ApMask> hostAdapters,
        Optional<ApMask> hostUsageDomains,
        Optional<ApMask> hostControlDomains,
        int maxAdapterId,
        int maxDomainId,
        int apDomain,
        Optional<ApBindings> bindings,
        OptionalLong scans,
        Set<String> features) {

    public ApBusState {
        Objects.requireNonNull(apmask, "apmask");
        Objects.requireNonNull(aqmask, "aqmask");
        Objects.requireNonNull(hostAdapters, "hostAdapters");
        Objects.requireNonNull(hostUsageDomains, "hostUsageDomains");
        Objects.requireNonNull(hostControlDomains, "hostControlDomains");
        Objects.requireNonNull(bindings, "bindings");
        Objects.requireNonNull(scans, "scans");
        features = Set.copyOf(features);
    }

    /** True if the host drivers own the APQN by the mask rule (apmask[a] and aqmask[q], ap-bus.md §3.1). */
    public boolean hostOwnsByMasks(Apqn apqn) {
        return apmask.get(apqn.adapter()) && aqmask.get(apqn.domain());
    }

    /** True if both masks are all ones: the only state in which 6.19's driver_override is accepted. */
    public boolean masksAllOnes() {
        return apmask.isFull() && aqmask.isFull();
    }
}
