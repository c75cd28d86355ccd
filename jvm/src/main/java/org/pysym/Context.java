package org.pysym;

/** A device. Only the CPU exists here; prints as MXNet does: cpu(0). */
public record Context(String deviceType, int deviceId) {
    public static Context cpu() { return new Context("cpu", 0); }
    public static Context cpu(int id) { return new Context("cpu", id); }
    public static Context defaultCtx() { return cpu(); }

    public Context {
        PysymError.require(deviceType.equals("cpu"), "device type '%s' is not available: pysym runs on cpu only", deviceType);
        PysymError.require(deviceId >= 0, "device id must be >= 0, got %d", deviceId);
    }

    @Override public String toString() { return deviceType + "(" + deviceId + ")"; }
}
