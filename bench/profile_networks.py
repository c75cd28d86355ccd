"""Where the time goes: one network's forward+backward step, wall clock (best and median of 10) and
native time per kernel (pysym.profile).

    python3 bench/profile_networks.py mlp lenet resnet_block
"""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)
import pysym  # noqa: E402
from bench_networks import bind_pysym  # noqa: E402


def profile(name, reps=10):
    ex, head = bind_pysym(name)
    for _ in range(3):
        ex.forward(isTrain=True)
        ex.backward(head)
    pysym.profile(True)
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        ex.forward(isTrain=True)
        ex.backward(head)
        times.append(time.perf_counter() - t)
    kernels = pysym.profile(False)
    times.sort()
    print(f"{name}: wall best {times[0] * 1e3:.2f} ms, median {times[len(times) // 2] * 1e3:.2f} ms; "
          f"native {sum(ms for _, ms in kernels.values()) / reps:.2f} ms per step")
    for k, (calls, ms) in sorted(kernels.items(), key=lambda kv: -kv[1][1]):
        print(f"   {k:28s} {calls // reps:3d} calls {ms / reps:9.3f} ms")
    ex.dispose()


if __name__ == "__main__":
    for n in sys.argv[1:] or ["mlp", "lenet", "resnet_block"]:
        profile(n)
