package dev.apqn.apbus;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.ApMdev;
import dev.apqn.ap.Apqn;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** What an incremental refresh has to reread, collected from the signals before anything is reread. */
final class RereadPlan {

    /** Cards to reread in full, with a fresh listing of their queues. */
    final Set<Integer> relist = new TreeSet<>();
    /** Queues to reread, as domains per card ({@link ApMask#all()} = every known queue of the card). */
    final Map<Integer, ApMask> domainsByCard = new TreeMap<>();
    /** Queues named by a signal: reread even if not known yet (they may have just appeared). */
    final Set<Apqn> queues = new HashSet<>();
    /** Relist every card directory and read only the queues that appeared (a bus scan ran). */
    boolean relistAllCards;

    void domains(int adapter, ApMask domains) {
        domainsByCard.merge(adapter, domains, ApMask::or);
    }

    void queue(Apqn q) {
        queues.add(q);
        domains(q.adapter(), ApMask.of(q.domain()));
    }

    /** The queues of an mdev's matrix and shadow: their vfio {@code status} follows the matrix. */
    void matrix(ApMdev m) {
        if (m == null) {
            return;
        }
        ApMask aqm = m.matrix().domains();
        ApMask doms = m.guestMatrix().map(g -> aqm.or(g.domains())).orElse(aqm);
        ApMask aps = m.guestMatrix().map(g -> m.matrix().adapters().or(g.adapters())).orElse(m.matrix().adapters());
        if (!doms.isEmpty()) {
            aps.ids().forEach(a -> domains(a, doms));
        }
    }

    /** The card is gone or reread in full: its queues need no separate reread. */
    void forget(int adapter) {
        domainsByCard.remove(adapter);
    }
}
