package io.gevent4j.examples.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serial;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Copies a response body into a file with plain blocking reads and writes, keeping the two kinds of
 * failure apart: a failed read is a network problem (an {@link IOException}, which {@link Http}
 * retries), a failed write is a local one (a permanent {@link FetchException}: retrying will not make
 * the disk less full).
 *
 * <p>Files are not forced to disk ({@code fsync}): the write-then-rename protocol of {@link OutputDir}
 * already guarantees that a killed or interrupted run leaves no truncated file under a final name,
 * and an {@code fsync} per file would block the hub thread for milliseconds each time.
 */
public final class Transfer {
    private static final int BUFFER = 64 * 1024;

    private Transfer() {
    }

    /**
     * Writes the body of {@code response} to {@code file}.
     *
     * @param response a 2xx response
     * @param file the temporary file
     * @param append add to the end of the file (a resumed download) instead of replacing it
     * @param skip bytes of the body to drop first (a byte range the server did not honour)
     * @param limit the most bytes to write, or -1 for the whole body
     * @param onBytes told about each chunk received
     * @return bytes written
     * @throws IOException if reading from the network fails or the body is shorter than announced
     * @throws FetchException if the file cannot be written
     */
    public static long toFile(Http.Response response, Path file, boolean append, long skip, long limit,
                              LongConsumer onBytes) throws IOException, FetchException {
        long declared = response.contentLength();
        long expected = limit >= 0 ? limit : (declared >= 0 ? declared - skip : -1);
        InputStream in = response.body();
        skipExactly(in, skip);
        long written = 0;
        try (FileChannel out = openForWrite(file, append)) {
            byte[] buffer = new byte[BUFFER];
            while (limit < 0 || written < limit) {
                int want = limit < 0 ? buffer.length : (int) Math.min(buffer.length, limit - written);
                int n = in.read(buffer, 0, want);
                if (n < 0) {
                    break;
                }
                write(out, buffer, n, file);
                written += n;
                onBytes.accept(n);
            }
            if (expected >= 0 && written != expected) {
                throw new IOException("connection closed after " + written + " of " + expected + " bytes");
            }
        } catch (IOException e) {
            if (e instanceof LocalFailure local) {
                throw FetchException.permanent(local.getMessage(), local.getCause());
            }
            throw e;
        }
        return written;
    }

    private static void skipExactly(InputStream in, long skip) throws IOException {
        long left = skip;
        byte[] sink = left > 0 ? new byte[(int) Math.min(BUFFER, left)] : null;
        while (left > 0) {
            int n = in.read(sink, 0, (int) Math.min(sink.length, left));
            if (n < 0) {
                throw new IOException("connection closed before byte " + skip);
            }
            left -= n;
        }
    }

    private static FileChannel openForWrite(Path file, boolean append) throws LocalFailure {
        try {
            return append
                    ? FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)
                    : FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new LocalFailure("cannot write " + file + " (" + OutputDir.reason(e) + ")", e);
        }
    }

    private static void write(FileChannel out, byte[] buffer, int n, Path file) throws LocalFailure {
        try {
            ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
            while (chunk.hasRemaining()) {
                out.write(chunk);
            }
        } catch (IOException e) {
            throw new LocalFailure("cannot write " + file + " (" + OutputDir.reason(e) + ")", e);
        }
    }

    /**
     * Appends files to {@code target} in order (the parts or segments of a video).
     *
     * @param pieces the files, in order
     * @param target the file to create (replaced if it exists)
     * @return its size
     * @throws FetchException if a file cannot be read or written
     */
    public static long concat(List<Path> pieces, Path target) throws FetchException {
        try (FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (Path piece : pieces) {
                try (FileChannel in = FileChannel.open(piece, StandardOpenOption.READ)) {
                    long size = in.size();
                    long position = 0;
                    while (position < size) {
                        position += in.transferTo(position, size - position, out);
                    }
                }
            }
            return out.size();
        } catch (IOException e) {
            throw FetchException.permanent("cannot assemble " + target + " (" + OutputDir.reason(e) + ")", e);
        }
    }

    /**
     * The size of a file, or 0 if it does not exist.
     *
     * @param file the file
     * @return its size
     * @throws FetchException if it exists but cannot be read
     */
    public static long sizeOrZero(Path file) throws FetchException {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            throw FetchException.permanent("cannot read " + file + " (" + OutputDir.reason(e) + ")", e);
        }
    }

    /**
     * Deletes a file if it exists.
     *
     * @param file the file
     * @throws FetchException if it exists and cannot be deleted
     */
    public static void delete(Path file) throws FetchException {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw FetchException.permanent("cannot delete " + file + " (" + OutputDir.reason(e) + ")", e);
        }
    }

    /** A local write failure travelling through the I/O code as an IOException, told apart at the end. */
    private static final class LocalFailure extends IOException {
        @Serial
        private static final long serialVersionUID = 1L;

        LocalFailure(String message, IOException cause) {
            super(message, cause);
        }
    }
}
