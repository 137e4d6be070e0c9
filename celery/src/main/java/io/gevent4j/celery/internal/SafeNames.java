package io.gevent4j.celery.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * File names for {@code gevent4j.download}, with the image downloader's rules (one path component of
 * letters, digits and {@code . _ -}; never hidden, never {@code ..}, never a device name, at most 120
 * characters; a taken name gets {@code -1}, {@code -2}, ...) and a final check that the file lands
 * directly in the target directory. The examples module has its own copy of the rules; celery cannot
 * depend on examples, and the rules are too small to justify a shared module.
 */
public final class SafeNames {
    private static final int MAX = 120;
    private static final Set<String> DEVICES = Set.of("con", "prn", "aux", "nul", "com1", "com2", "com3", "com4",
            "com5", "com6", "com7", "com8", "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9");

    private SafeNames() {
    }

    /** The safe file name for the last path segment of {@code url}. */
    public static String forUrl(URI url) {
        String path = url.getPath() == null ? "" : url.getPath();
        return clean(path, "download");
    }

    /** Cleans a raw name into one safe path component, or {@code fallback} if nothing is left. */
    public static String clean(String raw, String fallback) {
        String last = raw.substring(Math.max(raw.lastIndexOf('/'), raw.lastIndexOf('\\')) + 1);
        StringBuilder name = new StringBuilder();
        last.codePoints().forEach(cp -> {
            if (Character.isLetterOrDigit(cp) || cp == '.' || cp == '-' || cp == '_') {
                name.appendCodePoint(cp);
            } else if (name.isEmpty() || name.charAt(name.length() - 1) != '_') {
                name.append('_');
            }
        });
        String s = name.toString().replaceAll("^[._-]+", "").replaceAll("[._ ]+$", "");
        if (s.isEmpty()) {
            s = fallback;
        }
        int dot = s.lastIndexOf('.');
        String stem = dot > 0 ? s.substring(0, dot) : s;
        String ext = dot > 0 ? s.substring(dot) : "";
        if (DEVICES.contains(stem.toLowerCase(Locale.ROOT))) {
            stem = stem + "_";
        }
        if (ext.length() > 16) {
            ext = "";
        }
        if (stem.length() + ext.length() > MAX) {
            stem = stem.substring(0, MAX - ext.length());
        }
        return stem + ext;
    }

    /**
     * Writes {@code data} to a new file named {@code name} (or {@code name-1}, ...) directly in
     * {@code dir}, through a hidden temporary file renamed into place when complete.
     *
     * @return the saved file, absolute
     */
    public static Path save(Path dir, String name, InputStream data) throws IOException {
        Path real = Files.createDirectories(dir).toRealPath();
        Path temp = Files.createTempFile(real, ".gevent4j-download-", ".part");
        try {
            Files.copy(data, temp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            int dot = name.lastIndexOf('.');
            String stem = dot > 0 ? name.substring(0, dot) : name;
            String ext = dot > 0 ? name.substring(dot) : "";
            for (int n = 0; ; n++) {
                Path target = real.resolve(n == 0 ? name : stem + "-" + n + ext).normalize();
                if (!real.equals(target.getParent())) {
                    throw new IOException("refusing to write " + target + ": it is not directly in " + real);
                }
                try {
                    Files.move(temp, target);
                    return target;
                } catch (FileAlreadyExistsException taken) {
                    // the name is taken: try the next suffix
                }
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
