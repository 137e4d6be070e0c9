package io.gevent4j.examples.internal;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.text.Normalizer;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The directory a download writes into (the {@code --out} option), and the rules that keep every
 * file inside it:
 * <ul>
 *   <li>names come from {@link #safeName}: one path component, letters, digits, {@code . _ -} only,
 *       never starting with a dot or dash, never a reserved device name, at most 120 characters;</li>
 *   <li>{@link #file} refuses anything that would not land directly in the directory;</li>
 *   <li>two downloads of one run never share a name: {@link #reserve} adds {@code -1}, {@code -2}...;</li>
 *   <li>data goes to a hidden temporary file first ({@link #temp}) and is renamed into place by
 *       {@link #commit} only when complete, so a file with a final name is always complete.</li>
 * </ul>
 */
public final class OutputDir {
    private static final int MAX_NAME = 120;
    private static final Set<String> DEVICE_NAMES = Set.of("con", "prn", "aux", "nul",
            "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9",
            "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9");

    private final Path dir;
    private final Set<String> reserved = new HashSet<>();

    private OutputDir(Path dir) {
        this.dir = dir;
    }

    /**
     * Creates the directory if needed and checks that files can be written in it.
     *
     * @param value the option's value, e.g. {@code ./images}
     * @return the directory
     * @throws InputError if it cannot be created or written
     */
    public static OutputDir open(String value) throws InputError {
        Path path = Path.of(value).toAbsolutePath().normalize();
        try {
            Files.createDirectories(path);
        } catch (FileAlreadyExistsException e) {
            throw new InputError("--out " + value + " exists and is not a directory; choose another --out");
        } catch (IOException e) {
            throw new InputError("cannot create the --out directory " + path + " (" + reason(e)
                    + "); choose a directory you can write to");
        }
        try {
            Path probe = Files.createTempFile(path, ".gevent4j-write-check-", ".tmp");
            Files.delete(probe);
            return new OutputDir(path.toRealPath());
        } catch (IOException e) {
            throw new InputError("cannot write to the --out directory " + path + " (" + reason(e)
                    + "); choose a directory you can write to");
        }
    }

    /**
     * Explains an I/O failure on a local file in a few words.
     *
     * @param e the failure
     * @return e.g. {@code permission denied} or {@code Not a directory}
     */
    public static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /**
     * Returns the directory, absolute.
     *
     * @return the directory, absolute
     */
    public Path path() {
        return dir;
    }

    /**
     * Turns a name taken from a URL into a safe file name: only its last path component ({@code /}
     * and {@code \} count), characters other than letters, digits, {@code . _ -} replaced by
     * {@code _}, no leading dots or dashes (so never {@code ..} or a hidden file), no trailing dots or
     * spaces, not a device name such as {@code CON}, at most 120 characters (the extension is kept).
     *
     * @param raw the decoded name, e.g. {@code ../../etc/passwd}
     * @param fallback used when nothing usable is left, e.g. {@code image}
     * @return a safe single-component name, never empty
     */
    public static String safeName(String raw, String fallback) {
        String s = raw == null ? "" : Normalizer.normalize(raw, Normalizer.Form.NFC);
        int cut = Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\'));
        s = s.substring(cut + 1);
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            boolean ok = cp == '.' || cp == '-' || cp == '_' || Character.isLetterOrDigit(cp);
            char last = b.isEmpty() ? 0 : b.charAt(b.length() - 1);
            if (ok) {
                b.appendCodePoint(cp);
            } else if (last != '_') {
                b.append('_');
            }
        }
        int start = 0;
        while (start < b.length() && (b.charAt(start) == '.' || b.charAt(start) == '-' || b.charAt(start) == '_')) {
            start++;
        }
        int end = b.length();
        while (end > start && (b.charAt(end - 1) == '.' || b.charAt(end - 1) == ' ' || b.charAt(end - 1) == '_')) {
            end--;
        }
        String name = b.substring(start, end);
        if (name.isEmpty()) {
            name = fallback;
        }
        String stem = stem(name);
        if (DEVICE_NAMES.contains(stem.toLowerCase(Locale.ROOT))) {
            name = "_" + name;
        }
        if (name.length() > MAX_NAME) {
            String ext = extension(name);
            String keep = ext.isEmpty() || ext.length() > 10 ? "" : "." + ext;
            name = name.substring(0, MAX_NAME - keep.length()) + keep;
        }
        return name;
    }

    /**
     * The extension of a file name, lower case, without the dot.
     *
     * @param name a file name
     * @return e.g. {@code png}, or "" if none
     */
    public static String extension(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 && dot < name.length() - 1 ? name.substring(dot + 1).toLowerCase(Locale.ROOT) : "";
    }

    /**
     * A file name without its extension.
     *
     * @param name a file name
     * @return the name up to its last dot
     */
    public static String stem(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    /**
     * Reserves {@code name} for one download of this run: if another download already has it (in any
     * letter case), a suffix is added: {@code cat.png}, {@code cat-1.png}, {@code cat-2.png}...
     *
     * @param name a name from {@link #safeName}
     * @return the name reserved
     */
    public synchronized String reserve(String name) {
        if (reserved.add(name.toLowerCase(Locale.ROOT))) {
            return name;
        }
        String ext = extension(name);
        String stem = ext.isEmpty() ? name : name.substring(0, name.length() - ext.length() - 1);
        String dotExt = ext.isEmpty() ? "" : name.substring(name.length() - ext.length() - 1);
        for (int i = 1; ; i++) {
            String candidate = stem + "-" + i + dotExt;
            if (reserved.add(candidate.toLowerCase(Locale.ROOT))) {
                return candidate;
            }
        }
    }

    /**
     * Reserves exactly {@code name} for one download of this run, if no other download has it.
     *
     * @param name a name from {@link #safeName}
     * @return true if reserved; false if another download of this run already has it (in any letter case)
     */
    public synchronized boolean reserveExactly(String name) {
        return reserved.add(name.toLowerCase(Locale.ROOT));
    }

    /**
     * The path of a file in this directory.
     *
     * @param name a name from {@link #safeName} or {@link #reserve}
     * @return the path, directly inside the directory
     * @throws IllegalArgumentException if the name would leave the directory (never for safe names)
     */
    public Path file(String name) {
        Path p = dir.resolve(name).normalize();
        if (!dir.equals(p.getParent()) || name.startsWith(".")) {
            throw new IllegalArgumentException("refusing the file name '" + name + "': it would not be a plain file"
                    + " directly inside " + dir);
        }
        return p;
    }

    /**
     * The hidden temporary file a download of {@code name} is written to before {@link #commit}.
     *
     * @param name the final name
     * @param suffix what it holds, e.g. {@code part}
     * @return {@code .NAME.SUFFIX} in this directory
     */
    public Path temp(String name, String suffix) {
        file(name);
        return dir.resolve("." + name + "." + suffix);
    }

    /**
     * Moves a complete temporary file to its final name in one step, replacing an older file.
     *
     * @param temp the complete temporary file
     * @param target the final path
     * @throws FetchException if the file system refuses
     */
    public static void commit(Path temp, Path target) throws FetchException {
        try {
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw FetchException.permanent("cannot rename " + temp + " to " + target + " (" + reason(e) + ")", e);
        }
    }
}
