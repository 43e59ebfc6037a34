package dev.apqn.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * An image tar in `docker save` format (what `docker load` and `ctr images import` read): manifest.json,
 * the image config and the layers, read without a container engine. {@link #files()} is the root
 * filesystem a container of the image would see: the layers applied in order, whiteouts honoured.
 */
final class ImageArchive {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> repoTags;
    private final JsonNode config;
    private final ImageFiles files;

    private ImageArchive(List<String> repoTags, JsonNode config, ImageFiles files) {
        this.repoTags = repoTags;
        this.config = config;
        this.files = files;
    }

    /**
     * Reads the archive; the content of the files whose path matches {@code digested} is hashed
     * (SHA-256), the others are only listed.
     */
    static ImageArchive read(Path tar, Predicate<String> digested) throws IOException {
        try (TarFile archive = new TarFile(tar.toFile())) {
            Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
            archive.getEntries().forEach(entry -> entries.put(normalize(entry.getName()), entry));
            JsonNode manifests = JSON.readTree(archive.getInputStream(required(entries, "manifest.json")));
            if (manifests.size() != 1) {
                throw new IOException("manifest.json lists " + manifests.size() + " images, expected one");
            }
            JsonNode manifest = manifests.get(0);
            JsonNode config = JSON.readTree(archive.getInputStream(required(entries, manifest.path("Config").asText())));
            List<String> tags = new ArrayList<>();
            manifest.path("RepoTags").forEach(tag -> tags.add(tag.asText()));
            ImageFiles files = new ImageFiles();
            for (JsonNode layer : manifest.path("Layers")) {
                try (InputStream in = archive.getInputStream(required(entries, layer.asText()))) {
                    applyLayer(in, files, digested);
                }
            }
            return new ImageArchive(List.copyOf(tags), config, files);
        }
    }

    List<String> repoTags() {
        return repoTags;
    }

    /** The "config" object of the image config: Entrypoint, Cmd, User, WorkingDir, Env, Labels. */
    JsonNode runConfig() {
        return config.path("config");
    }

    ImageFiles files() {
        return files;
    }

    private static TarArchiveEntry required(Map<String, TarArchiveEntry> entries, String name) throws IOException {
        TarArchiveEntry entry = entries.get(normalize(name));
        if (entry == null) {
            throw new IOException("the image tar has no " + name);
        }
        return entry;
    }

    /** A layer is a tar, gzip-compressed or not (the docker-save format allows both). */
    private static void applyLayer(InputStream layer, ImageFiles files, Predicate<String> digested) throws IOException {
        BufferedInputStream in = new BufferedInputStream(layer, 1 << 16);
        in.mark(2);
        boolean gzip = in.read() == 0x1f && in.read() == 0x8b;
        in.reset();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(gzip ? new GZIPInputStream(in, 1 << 16) : in)) {
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                String path = normalize(entry.getName());
                if (path.isEmpty()) {
                    continue;
                }
                String name = path.substring(path.lastIndexOf('/') + 1);
                if (name.startsWith(".wh.")) {
                    files.whiteout(path);
                    continue;
                }
                String sha256 = entry.isFile() && digested.test(path) ? sha256(tar) : null;
                files.put(new ImageFile(path, typeOf(entry), entry.getMode() & 07777, entry.getLongUserId(),
                        entry.getLongGroupId(), entry.getLinkName(), sha256));
            }
        }
    }

    private static ImageFile.Type typeOf(TarArchiveEntry entry) {
        if (entry.isDirectory()) {
            return ImageFile.Type.DIRECTORY;
        }
        if (entry.isSymbolicLink()) {
            return ImageFile.Type.SYMLINK;
        }
        if (entry.isLink()) {
            return ImageFile.Type.HARDLINK;
        }
        return entry.isFile() ? ImageFile.Type.FILE : ImageFile.Type.OTHER;
    }

    static String sha256(InputStream in) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Paths as the image's root filesystem names them, without "./", a leading or a trailing "/". */
    static String normalize(String name) {
        String path = name;
        while (path.startsWith("./") || path.startsWith("/")) {
            path = path.substring(path.startsWith("./") ? 2 : 1);
        }
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return path.equals(".") ? "" : path;
    }
}
