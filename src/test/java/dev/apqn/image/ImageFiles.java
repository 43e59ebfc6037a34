package dev.apqn.image;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The root filesystem of an image: its layers' entries, later layers over earlier ones. */
final class ImageFiles {

    /** Linux gives up after 40 symlinks in one lookup (ELOOP); so do we. */
    private static final int MAX_SYMLINKS = 40;

    private final Map<String, ImageFile> byPath = new HashMap<>();

    void put(ImageFile file) {
        byPath.put(file.path(), file);
    }

    /** An OCI whiteout ".wh.NAME" deletes NAME (and what is below it); ".wh..wh..opq" empties its directory. */
    void whiteout(String whiteoutPath) {
        int slash = whiteoutPath.lastIndexOf('/');
        String dir = slash < 0 ? "" : whiteoutPath.substring(0, slash);
        String name = whiteoutPath.substring(slash + 1).substring(".wh.".length());
        if (name.equals(".wh..opq")) {
            byPath.keySet().removeIf(path -> dir.isEmpty() || path.startsWith(dir + "/"));
        } else {
            String gone = dir.isEmpty() ? name : dir + "/" + name;
            byPath.keySet().removeIf(path -> path.equals(gone) || path.startsWith(gone + "/"));
        }
    }

    /** The entry itself, not following a symlink at {@code path}. */
    Optional<ImageFile> entry(String path) {
        return Optional.ofNullable(byPath.get(ImageArchive.normalize(path)));
    }

    /** Every entry below a directory ("deployments"), the directory itself excluded. */
    List<ImageFile> under(String directory) {
        String prefix = ImageArchive.normalize(directory) + "/";
        return byPath.values().stream().filter(file -> file.path().startsWith(prefix)).toList();
    }

    /**
     * What an absolute {@code path} (or one relative to {@code workingDir}) opens in a container, every
     * symlink followed the way the kernel would: empty when it does not exist or loops.
     */
    Optional<ImageFile> resolve(String workingDir, String path) {
        Deque<String> todo = new ArrayDeque<>(components(path.startsWith("/") ? path : workingDir + "/" + path));
        Deque<String> at = new ArrayDeque<>();
        int symlinks = 0;
        while (!todo.isEmpty()) {
            String part = todo.pollFirst();
            if (part.equals("..")) {
                at.pollLast();
                continue;
            }
            at.addLast(part);
            ImageFile file = byPath.get(String.join("/", at));
            if (file == null) {
                return Optional.empty();
            }
            if (file.type() == ImageFile.Type.SYMLINK || file.type() == ImageFile.Type.HARDLINK) {
                if (++symlinks > MAX_SYMLINKS) {
                    return Optional.empty();
                }
                at.pollLast();
                // a hardlink names its target from the root of the layer, a symlink from its directory
                if (file.linkTarget().startsWith("/") || file.type() == ImageFile.Type.HARDLINK) {
                    at.clear();
                }
                List<String> target = components(file.linkTarget());
                for (int i = target.size() - 1; i >= 0; i--) {
                    todo.addFirst(target.get(i));
                }
            }
        }
        return at.isEmpty() ? Optional.empty() : Optional.ofNullable(byPath.get(String.join("/", at)));
    }

    private static List<String> components(String path) {
        return Arrays.stream(path.split("/")).filter(part -> !part.isEmpty() && !part.equals(".")).toList();
    }
}
