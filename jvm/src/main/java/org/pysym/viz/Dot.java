package org.pysym.viz;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.pysym.PysymError;

/**
 * A Graphviz digraph, written in the layout of the Python graphviz package MXNet 1.9.1 uses (0.8.x):
 * a label first, then the other attributes sorted by name, identifiers quoted only where DOT needs it.
 * render() runs a Graphviz layout program (the dot binary) on the saved source.
 */
public final class Dot {
    /** Graphviz's layout programs. */
    public static final Set<String> ENGINES = Set.of("dot", "neato", "twopi", "circo", "fdp", "sfdp", "patchwork", "osage");
    /** Graphviz's output formats (graphviz.org/docs/outputs). */
    public static final Set<String> FORMATS = Set.of("bmp", "canon", "dot", "gv", "xdot", "xdot1.2", "xdot1.4", "cgimage",
            "cmap", "eps", "exr", "fig", "gd", "gd2", "gif", "gtk", "ico", "imap", "cmapx", "imap_np", "cmapx_np", "ismap",
            "jp2", "jpg", "jpeg", "jpe", "json", "json0", "pct", "pict", "pdf", "pic", "plain", "plain-ext", "png", "pov",
            "ps", "ps2", "psd", "sgi", "svg", "svgz", "tga", "tif", "tiff", "tk", "vml", "vmlz", "vrml", "wbmp", "webp",
            "xlib", "x11");
    private static final long RENDER_TIMEOUT_SECONDS = 300;

    /** One statement: a node, or an edge from node to head (head null for a node), label null when not given. */
    public record Statement(String node, String head, String label, Map<String, String> attrs) {
        public boolean isEdge() { return head != null; }
    }

    private final String name;
    private final List<Statement> body = new ArrayList<>();

    public Dot(String name) {
        PysymError.require(name != null, "Dot: the graph name must not be null");
        this.name = name;
    }

    public String name() { return name; }

    /** Adds a node; label null shows the name. */
    public void node(String name, String label, Map<String, String> attrs) {
        body.add(new Statement(requireId(name, "node name"), null, label, sortedAttrs(attrs)));
    }

    /** Adds an edge from tail to head. */
    public void edge(String tailName, String headName, String label, Map<String, String> attrs) {
        body.add(new Statement(requireId(tailName, "edge tail"), requireId(headName, "edge head"), label, sortedAttrs(attrs)));
    }

    public List<Statement> statements() { return Collections.unmodifiableList(body); }

    /** The DOT text, without a trailing newline (as graphviz.Digraph.source). */
    public String source() {
        StringBuilder sb = new StringBuilder("digraph ").append(quote(name)).append(" {");
        for (Statement s : body) {
            sb.append("\n\t");
            if (s.isEdge()) sb.append(quoteEdge(s.node)).append(" -> ").append(quoteEdge(s.head));
            else sb.append(quote(s.node));
            sb.append(attrList(s.label, s.attrs));
        }
        return sb.append("\n}").toString();
    }

    @Override public String toString() { return source(); }

    /** Writes the source to directory/fileName (creating the directory); returns the path. */
    public String save(String fileName, String directory) {
        Path path = sourcePath(fileName, directory);
        try {
            if (path.getParent() != null) Files.createDirectories(path.getParent());
            Files.writeString(path, source() + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw PysymError.format("Dot.save: cannot write %s: %s", path, e.getMessage());
        }
        return path.toString();
    }

    /**
     * Saves the source to directory/fileName and runs "engine -Tformat -O file", which writes
     * file.format beside it; returns that path. fileName null means name.gv, directory null the
     * working directory.
     */
    public String render(String engine, String format, String fileName, String directory) {
        PysymError.require(ENGINES.contains(engine), "Dot.render: unknown engine '%s': expected one of %s", engine,
                new java.util.TreeSet<>(ENGINES));
        PysymError.require(FORMATS.contains(format), "Dot.render: unknown format '%s': expected one of %s", format,
                new java.util.TreeSet<>(FORMATS));
        String path = save(fileName, directory);
        List<String> cmd = List.of(engine, "-T" + format, "-O", path);
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw PysymError.format("failed to execute \"%s\", make sure the Graphviz executables are on your "
                    + "systems' path (Debian: apt-get install graphviz)", String.join(" ", cmd));
        }
        try {
            byte[] out = p.getInputStream().readAllBytes();
            PysymError.require(p.waitFor(RENDER_TIMEOUT_SECONDS, TimeUnit.SECONDS), "\"%s\" did not finish within %d s",
                    String.join(" ", cmd), RENDER_TIMEOUT_SECONDS);
            PysymError.require(p.exitValue() == 0, "\"%s\" failed with exit status %d: %s", String.join(" ", cmd),
                    p.exitValue(), new String(out, StandardCharsets.UTF_8).strip());
        } catch (IOException | InterruptedException e) {
            p.destroyForcibly();
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            throw PysymError.format("\"%s\" was interrupted: %s", String.join(" ", cmd), e.getMessage());
        }
        return path + "." + format;
    }

    private Path sourcePath(String fileName, String directory) {
        String file = fileName != null ? fileName : name + ".gv";
        PysymError.require(!file.isEmpty(), "Dot: the file name must not be empty");
        return directory == null || directory.isEmpty() ? Path.of(file) : Path.of(directory, file);
    }

    // ---- DOT quoting, as graphviz.lang (0.8.x) does it ---------------------------------------------

    private static final Pattern ID = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*|-?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)");
    private static final Pattern HTML = Pattern.compile("<.*>", Pattern.DOTALL);
    private static final Set<String> KEYWORDS = Set.of("node", "edge", "graph", "digraph", "subgraph", "strict");

    /** A DOT identifier: as is when it is a plain ID, a number or an HTML string, else double-quoted. */
    static String quote(String id) {
        if (HTML.matcher(id).matches()) return id;
        if (ID.matcher(id).matches() && !KEYWORDS.contains(id.toLowerCase(java.util.Locale.ROOT))) return id;
        return "\"" + id.replace("\"", "\\\"") + "\"";
    }

    /** An edge end point: "node:port:compass", each part quoted on its own (graphviz's quote_edge). */
    static String quoteEdge(String id) {
        int colon = id.indexOf(':');
        String rest = colon < 0 ? "" : id.substring(colon + 1);
        if (rest.isEmpty()) return quote(colon < 0 ? id : id.substring(0, colon));
        int second = rest.indexOf(':');
        String port = second < 0 ? rest : rest.substring(0, second);
        StringBuilder sb = new StringBuilder(quote(id.substring(0, colon))).append(':').append(quote(port));
        if (second >= 0 && second + 1 < rest.length()) sb.append(':').append(rest.substring(second + 1));
        return sb.toString();
    }

    private static String attrList(String label, Map<String, String> attrs) {
        List<String> items = new ArrayList<>();
        if (label != null) items.add("label=" + quote(label));
        attrs.forEach((k, v) -> items.add(quote(k) + "=" + quote(v)));
        return items.isEmpty() ? "" : " [" + String.join(" ", items) + "]";
    }

    private static Map<String, String> sortedAttrs(Map<String, String> attrs) {
        Map<String, String> sorted = new TreeMap<>();
        if (attrs == null) return Collections.unmodifiableMap(sorted);
        attrs.forEach((k, v) -> {
            PysymError.require(k != null, "Dot: attribute names must not be null");
            PysymError.require(!k.equals("label"), "Dot: give the label as the label argument, not as attribute '%s'", k);
            if (v != null) sorted.put(k, v);     // graphviz drops attributes whose value is None
        });
        return Collections.unmodifiableMap(sorted);
    }

    private static String requireId(String id, String what) {
        PysymError.require(id != null, "Dot: the %s must not be null", what);
        return id;
    }
}
