package org.pysym.op;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.pysym.PysymError;

/** MXNet's Reshape target codes: 0 copy, -1 infer, -2 copy the rest, -3 merge two, -4 split one. */
public final class ReshapeSpec {
    private ReshapeSpec() {}

    public static Shape resolve(Shape in, int[] spec, boolean reverse) {
        List<Integer> src = new ArrayList<>();
        for (int d : in.toArray()) src.add(d);
        List<Integer> sp = new ArrayList<>();
        for (int d : spec) sp.add(d);
        if (reverse) {
            Collections.reverse(src);
            Collections.reverse(sp);
        }
        List<Integer> dst = new ArrayList<>();
        int s = 0, inferAt = -1;
        for (int i = 0; i < sp.size(); i++) {
            int code = sp.get(i);
            if (code == 0) {
                need(s < src.size(), in, spec, "0 copies a dimension past the input's rank");
                dst.add(src.get(s++));
            } else if (code == -1) {
                need(inferAt < 0, in, spec, "only one dimension can be -1");
                inferAt = dst.size();
                dst.add(1);
                s++;
            } else if (code == -2) {
                while (s < src.size()) dst.add(src.get(s++));
            } else if (code == -3) {
                need(s + 1 < src.size(), in, spec, "-3 needs two input dimensions");
                dst.add(src.get(s) * src.get(s + 1));
                s += 2;
            } else if (code == -4) {
                need(i + 2 < sp.size() && s < src.size(), in, spec, "-4 needs an input dimension and two values after it");
                int d0 = src.get(s++), d1 = sp.get(++i), d2 = sp.get(++i);
                need(d1 != -1 || d2 != -1, in, spec, "-4 split cannot infer both parts");
                if (d1 == -1) d1 = d2 == 0 ? 0 : d0 / d2;
                if (d2 == -1) d2 = d1 == 0 ? 0 : d0 / d1;
                need((long) d1 * d2 == d0, in, spec, "-4 split " + d1 + "x" + d2 + " does not equal " + d0);
                dst.add(d1);
                dst.add(d2);
            } else {
                need(code > 0, in, spec, "invalid code " + code);
                dst.add(code);
                s++;
            }
        }
        if (inferAt >= 0) {
            long known = 1;
            for (int i = 0; i < dst.size(); i++) if (i != inferAt) known *= dst.get(i);
            need(known > 0 && in.size() % known == 0, in, spec, "cannot infer the -1 dimension");
            dst.set(inferAt, (int) (in.size() / known));
        }
        if (reverse) Collections.reverse(dst);
        Shape out = Shape.of(dst.stream().mapToInt(Integer::intValue).toArray());
        need(out.size() == in.size(), in, spec, "target shape " + out + " has " + out.size() + " elements, input has " + in.size());
        return out;
    }

    private static void need(boolean ok, Shape in, int[] spec, String why) {
        if (!ok) throw PysymError.format("Reshape of %s to %s: %s", in, java.util.Arrays.toString(spec), why);
    }
}
