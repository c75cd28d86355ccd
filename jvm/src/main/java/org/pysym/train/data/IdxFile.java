package org.pysym.train.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import org.pysym.PysymError;

/**
 * An IDX file of unsigned bytes (the MNIST format: a big-endian magic 0x000008nn with nn the number
 * of dimensions, nn big-endian int32 sizes, then the bytes). A gzip-compressed file is read through
 * (byte offsets in errors then count decompressed bytes). Every inconsistency is an error naming
 * the file, the byte offset, the expected and the found value.
 */
final class IdxFile {
    static final int UNSIGNED_BYTE = 0x08;

    final String path;
    final int[] dims;
    final byte[] bytes;
    final int dataOffset;

    private IdxFile(String path, int[] dims, byte[] bytes, int dataOffset) {
        this.path = path;
        this.dims = dims;
        this.bytes = bytes;
        this.dataOffset = dataOffset;
    }

    /** Reads and checks a whole file whose contents are described as `what` ("image file", "label file"). */
    static IdxFile read(String iter, String what, String path, int ndim) {
        byte[] b = load(iter, what, path);
        String where = iter + ": " + what + " '" + path + "'";
        int expectedMagic = (UNSIGNED_BYTE << 8) | ndim;
        int headerBytes = 4 + 4 * ndim;
        PysymError.require(b.length >= 4, "%s is too short for an IDX file: %d bytes, but the magic number alone takes 4 (at byte offset 0)",
                where, b.length);
        int magic = readInt(b, 0);
        PysymError.require(magic == expectedMagic,
                "%s is not an IDX file of unsigned bytes with %d dimensions: expected magic 0x%08X at byte offset 0, found 0x%08X",
                where, ndim, expectedMagic, magic);
        PysymError.require(b.length >= headerBytes, "%s is truncated in its header: %d dimension sizes need bytes 4..%d, but the file has %d bytes",
                where, ndim, headerBytes - 1, b.length);
        int[] dims = new int[ndim];
        long expected = 1;
        for (int i = 0; i < ndim; i++) {
            dims[i] = readInt(b, 4 + 4 * i);
            PysymError.require(dims[i] >= 0, "%s: dimension %d at byte offset %d is %d; sizes must be non-negative",
                    where, i, 4 + 4 * i, Integer.toUnsignedLong(dims[i]));
            expected = expected > (1L << 31) ? (1L << 62) : Math.min(expected * dims[i], 1L << 62);   // saturates, never overflows
        }
        long payload = (long) b.length - headerBytes;
        if (payload < expected) {
            long example = ndim == 1 ? 1 : expected / Math.max(dims[0], 1);
            long firstIncomplete = example == 0 ? 0 : payload / example;
            throw PysymError.format("%s is truncated: its header declares %s = %d data bytes from byte offset %d, so the file "
                    + "should have %d bytes, but it has %d (example %d, at byte offset %d, is the first incomplete one)",
                    where, dimsText(dims), expected, headerBytes, headerBytes + expected, b.length, firstIncomplete, headerBytes + firstIncomplete * example);
        }
        PysymError.require(payload == expected, "%s has %d bytes after the data: its header declares %s = %d data bytes, "
                + "ending at byte offset %d, but the file has %d bytes", where, payload - expected, dimsText(dims), expected,
                headerBytes + expected, b.length);
        return new IdxFile(path, dims, b, headerBytes);
    }

    private static String dimsText(int[] dims) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < dims.length; i++) sb.append(i > 0 ? " x " : "").append(dims[i]);
        return sb.toString();
    }

    private static int readInt(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    private static byte[] load(String iter, String what, String path) {
        PysymError.require(path != null && !path.isEmpty(), "%s: %s path must be given", iter, what);
        Path p = Path.of(path);
        try {
            PysymError.require(!Files.isDirectory(p), "%s: %s '%s' is a directory, expected an IDX file", iter, what, path);
            byte[] raw = Files.readAllBytes(p);
            if (raw.length >= 2 && (raw[0] & 0xff) == 0x1f && (raw[1] & 0xff) == 0x8b) return gunzip(raw);
            return raw;
        } catch (NoSuchFileException e) {
            throw PysymError.format("%s: %s '%s' does not exist", iter, what, path);
        } catch (IOException e) {
            throw PysymError.format("%s: cannot read %s '%s': %s", iter, what, path, e.getMessage());
        }
    }

    private static byte[] gunzip(byte[] raw) throws IOException {
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(raw))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length * 4);
            in.transferTo(out);
            return out.toByteArray();
        }
    }

    @Override public String toString() { return path + " " + Arrays.toString(dims); }
}
