package io.gevent4j.monkey.internal;

/**
 * The blocking JDK methods added to {@link Offload} by issue 18: opens and the file-system metadata
 * calls (file patch), and the process start (process patch). Each row is class, method, descriptor;
 * each method is the non-native Java wrapper right above the blocking system call, so that the
 * advice can run exactly its body on an offload thread.
 */
final class OffloadTables {
    private OffloadTables() {
    }

    /** {@return the file patch's weaves for {@link #OPEN_AND_METADATA_METHODS}} */
    static java.util.List<Patch.Weave> openAndMetadataWeaves() {
        return weaves(OPEN_AND_METADATA_METHODS);
    }

    /** {@return the process patch's weaves} */
    static java.util.List<Patch.Weave> processWeaves() {
        return weaves(PROCESS_METHODS);
    }

    private static java.util.List<Patch.Weave> weaves(String[][] rows) {
        java.util.List<Patch.Weave> out = new java.util.ArrayList<>();
        for (String[] row : rows) {
            out.add(Patch.Weave.offload(row[0], row[1], row[2]));
        }
        return out;
    }

    private static final String UNIX_PATH = "Lsun/nio/fs/UnixPath;";
    private static final String UNIX_ATTRS = "Lsun/nio/fs/UnixFileAttributes;";
    private static final String DISPATCHER = "sun.nio.fs.UnixNativeDispatcher";
    private static final String IO_FS = "java.io.UnixFileSystem";
    private static final String FILE = "Ljava/io/File;";

    /**
     * {@code open(2)} of the java.io classes (their constructors call these private methods, which call
     * the native {@code open0}), and the {@code sun.nio.fs} system calls behind {@code FileChannel.open},
     * {@code Files.newInputStream/newOutputStream/newByteChannel} ({@code open}, {@code openat}),
     * {@code Files.size/readAttributes/isDirectory/isRegularFile} ({@code stat}, {@code stat2},
     * {@code lstat}, {@code fstatat}), {@code Files.exists/notExists/isReadable...} ({@code access}),
     * {@code Files.list/newDirectoryStream/walk} ({@code opendir}, {@code readdir}),
     * {@code toRealPath} ({@code realpath}) and {@code Files.delete/createDirectory/move}
     * ({@code unlink}, {@code rmdir}, {@code mkdir}, {@code rename}), and {@code java.io.File}'s
     * {@code exists/isFile/isDirectory/canRead/lastModified/length/delete/list/mkdir/renameTo}: the
     * calls that wait on a FIFO's peer or a slow (network) file system.
     */
    static final String[][] OPEN_AND_METADATA_METHODS = {
        {"java.io.FileInputStream", "open", "(Ljava/lang/String;)V"},
        {"java.io.FileOutputStream", "open", "(Ljava/lang/String;Z)V"},
        {"java.io.RandomAccessFile", "open", "(Ljava/lang/String;I)V"},
        {DISPATCHER, "open", "(" + UNIX_PATH + "II)I"},
        {DISPATCHER, "openat", "(I[BII)I"},
        {DISPATCHER, "stat", "(" + UNIX_PATH + UNIX_ATTRS + ")V"},
        {DISPATCHER, "stat2", "(" + UNIX_PATH + UNIX_ATTRS + ")I"},
        {DISPATCHER, "lstat", "(" + UNIX_PATH + UNIX_ATTRS + ")V"},
        {DISPATCHER, "fstatat", "(I[BI" + UNIX_ATTRS + ")V"},
        {DISPATCHER, "access", "(" + UNIX_PATH + "I)I"},
        {DISPATCHER, "opendir", "(" + UNIX_PATH + ")J"},
        {DISPATCHER, "readdir", "(J)[B"},
        {DISPATCHER, "realpath", "(" + UNIX_PATH + ")[B"},
        {DISPATCHER, "unlink", "(" + UNIX_PATH + ")V"},
        {DISPATCHER, "rmdir", "(" + UNIX_PATH + ")V"},
        {DISPATCHER, "mkdir", "(" + UNIX_PATH + "I)V"},
        {DISPATCHER, "rename", "(" + UNIX_PATH + UNIX_PATH + ")V"},
        // java.io.File's metadata: the Java wrappers of java.io.UnixFileSystem's natives
        {IO_FS, "getBooleanAttributes", "(" + FILE + ")I"},
        {IO_FS, "hasBooleanAttributes", "(" + FILE + "I)Z"},
        {IO_FS, "checkAccess", "(" + FILE + "I)Z"},
        {IO_FS, "getLastModifiedTime", "(" + FILE + ")J"},
        {IO_FS, "getLength", "(" + FILE + ")J"},
        {IO_FS, "delete", "(" + FILE + ")Z"},
        {IO_FS, "list", "(" + FILE + ")[Ljava/lang/String;"},
        {IO_FS, "createDirectory", "(" + FILE + ")Z"},
        {IO_FS, "rename", "(" + FILE + FILE + ")Z"},
    };

    /**
     * {@code ProcessBuilder.start()} ends in this static method, which runs {@code forkAndExec}
     * (~3.5 ms of a vfork/posix_spawn of jspawnhelper) and opens the redirect files.
     */
    static final String[][] PROCESS_METHODS = {
        {"java.lang.ProcessImpl", "start",
            "([Ljava/lang/String;Ljava/util/Map;Ljava/lang/String;[Ljava/lang/ProcessBuilder$Redirect;Z)Ljava/lang/Process;"},
    };
}
