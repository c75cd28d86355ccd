package org.pysym.train.data;

import java.util.Map;
import org.pysym.PysymError;

/** MXNet Scala's IO object: the backend iterators created from string parameters, IO.MNISTIter(Map(...)). */
public final class IO {
    private IO() {}

    public static DataIter MNISTIter(Map<String, String> params) { return new MNISTIter(params); }

    public static DataIter CSVIter(Map<String, String> params) { return new CSVIter(params); }

    /** By name: "MNISTIter" or "CSVIter". */
    public static DataIter createIterator(String iterName, Map<String, String> params) {
        if ("MNISTIter".equals(iterName)) return MNISTIter(params);
        if ("CSVIter".equals(iterName)) return CSVIter(params);
        throw PysymError.format("IO.createIterator: unknown iterator '%s'; available: MNISTIter, CSVIter", iterName);
    }
}
