package org.pysym.train.data;

/** MXNet's layout names for DataDesc: which axis is the batch (N), channel (C), time (T), height and width. */
public final class Layout {
    private Layout() {}

    /** No layout given: the batch axis is taken to be 0. */
    public static final String UNDEFINED = "__undefined__";
    public static final String NCHW = "NCHW";
    public static final String NTC = "NTC";
    public static final String NT = "NT";
    public static final String N = "N";
}
