package dev.apqn.agent;

import dev.apqn.apbus.ApInventory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;

/**
 * The agent's inventory generation: a number the controller copies into each plan
 * ({@code HostTarget.inventoryGeneration}) so that the agent can tell a plan computed for an older
 * inventory. It moves only when the inventory changes <em>materially</em> for planning: the
 * ownership mode, the set of queue devices, the host configuration (QCI masks), the id ranges and
 * whether vfio_ap is loaded. (Capabilities learnt from the first mdev, such as a legacy vfio_ap,
 * are left out: the operator's own first mdev would otherwise move the generation.) The operator's own mask, override and mdev writes do not move it.
 *
 * <p>It starts at the wall-clock milliseconds of the first inventory (so a generation from before a
 * reboot, when {@code /run} was wiped, is not reused by accident) and is bumped by one at each
 * material change. The value and the fingerprint it stands for are kept in the ledger directory,
 * so an agent restart keeps the generation while nothing changed.
 */
final class InventoryGeneration {

    static final String FILE = "inventory-generation";

    private final Path file;
    private long generation;
    private String fingerprint;

    InventoryGeneration(Path dir) throws IOException {
        this.file = dir.resolve(FILE);
        try {
            String[] parts = Files.readString(file, StandardCharsets.UTF_8).strip().split(" ", 2);
            generation = Long.parseLong(parts[0]);
            fingerprint = parts.length > 1 ? parts[1] : "";
        } catch (NoSuchFileException e) {
            generation = 0;
            fingerprint = null;
        }
    }

    long current() {
        return generation;
    }

    /** Updates from an inventory; returns the generation. */
    long update(ApInventory inv, long wallMillis) throws IOException {
        String fp = fingerprint(inv);
        if (Objects.equals(fp, fingerprint)) {
            return generation;
        }
        generation = fingerprint == null ? Math.max(wallMillis, generation + 1) : generation + 1;
        fingerprint = fp;
        Path tmp = file.resolveSibling(FILE + ".tmp");
        Files.writeString(tmp, generation + " " + fp + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return generation;
    }

    static String fingerprint(ApInventory inv) {
        var b = inv.bus();
        var c = inv.capabilities();
        StringBuilder sb = new StringBuilder();
        sb.append(c.ownership()).append(';').append(c.vfioAp()).append(';')
                .append(b.maxAdapterId()).append('/').append(b.maxDomainId()).append(';')
                .append(b.hostAdapters().map(m -> m.toRangeList()).orElse("-")).append(';')
                .append(b.hostUsageDomains().map(m -> m.toRangeList()).orElse("-")).append(';')
                .append(b.hostControlDomains().map(m -> m.toRangeList()).orElse("-")).append(';');
        inv.queues().keySet().forEach(q -> sb.append(q).append(','));
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest, 0, 12) + "-" + inv.queues().size();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
