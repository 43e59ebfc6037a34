package dev.apqn.dra;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The claims prepared on this node, in {@code <ledgerDir>/dra-claims.json} (written whole to a temporary
 * file and renamed over the old one, so a crash leaves the old or the new content, never half). Kept beside
 * the intent ledger because both describe what this node's host carries now: the kubelet calls prepare
 * again after a kubelet or agent restart, and unprepare of a claim prepared by a previous agent must still
 * find its CDI spec. Also what the converger asks before it removes an mdev ({@link #claimUsing}).
 */
public final class ClaimCheckpoint {

    /** The file name in the ledger directory. */
    public static final String FILE = "dra-claims.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private final Path file;
    private final Map<String, PreparedClaim> claims;

    private ClaimCheckpoint(Path file, Map<String, PreparedClaim> claims) {
        this.file = file;
        this.claims = claims;
    }

    /** Reads the checkpoint in {@code ledgerDir} (empty when there is none yet). */
    public static ClaimCheckpoint open(Path ledgerDir) throws IOException {
        Path file = ledgerDir.resolve(FILE);
        Map<String, PreparedClaim> claims = new TreeMap<>();
        if (Files.exists(file)) {
            claims.putAll(JSON.readValue(file.toFile(), new TypeReference<Map<String, PreparedClaim>>() {
            }));
        }
        return new ClaimCheckpoint(file, claims);
    }

    public synchronized Optional<PreparedClaim> get(String claimUid) {
        return Optional.ofNullable(claims.get(claimUid));
    }

    public synchronized List<PreparedClaim> all() {
        return List.copyOf(claims.values());
    }

    public synchronized void put(PreparedClaim c) throws IOException {
        Map<String, PreparedClaim> next = new TreeMap<>(claims);
        next.put(c.uid(), c);
        write(next);
        claims.put(c.uid(), c);
    }

    public synchronized void remove(String claimUid) throws IOException {
        if (!claims.containsKey(claimUid)) {
            return;
        }
        Map<String, PreparedClaim> next = new TreeMap<>(claims);
        next.remove(claimUid);
        write(next);
        claims.remove(claimUid);
    }

    private void write(Map<String, PreparedClaim> content) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(FILE + ".tmp");
        JSON.writeValue(tmp.toFile(), content);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The prepared claim holding {@code mdev}, described for the InUse message, if any. */
    public synchronized Optional<String> claimUsing(UUID mdev) {
        String u = mdev.toString();
        return claims.values().stream()
                .filter(c -> c.devices().stream().anyMatch(d -> u.equalsIgnoreCase(d.mdevUuid())))
                .map(c -> "ResourceClaim " + c.ref() + (c.pod() == null ? "" : " of pod " + c.pod()))
                .findFirst();
    }
}
