"""Training-step speed on an idle machine and beside a competing busy process: pysym (its default
threading policy, and the alternatives it was chosen against), PyTorch (if installed) and MXNet 1.9.1 (if
its venv exists), each in its own process, under the same load. Median ms per step and the ratio of the
loaded to the idle median (how gracefully each engine degrades).

    python3 bench/bench_contention.py [STEPS] [--busy N] [--policies]
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, "contention_worker.py")
NETS = ("small_mlp", "mlp", "lenet")

# pysym alternatives: environment overrides on top of the default start-up policy
POLICIES = {
    "pysym": {},
    "pysym spin300k": {"GOMP_SPINCOUNT": "300000"},
    "pysym passive": {"OMP_WAIT_POLICY": "passive"},
}


def mxnet_python():
    py = os.path.join(os.environ.get("PYSYM_MXNET_VENV", os.path.expanduser("~/.cache/pysym/mxnet-venv")), "bin", "python")
    return py if os.path.exists(py) else None


def has_torch():
    return subprocess.run([sys.executable, "-c", "import torch"], capture_output=True).returncode == 0


def run(engine, net, steps, env_extra):
    env = dict(os.environ)
    for k in ("GOMP_SPINCOUNT", "OMP_WAIT_POLICY"):
        env.pop(k, None)
    env.update(env_extra)
    py = sys.executable
    if engine == "mxnet":
        py = mxnet_python()
        env.update(OMP_NUM_THREADS="2", MXNET_ENGINE_TYPE="NaiveEngine")
    r = subprocess.run([py, WORKER, engine, net, str(steps)], capture_output=True, text=True, env=env, timeout=900)
    if r.returncode != 0:
        print(f"{engine} {net} failed: {r.stderr[-1500:]}", file=sys.stderr)
        return None
    return json.loads(r.stdout.strip().splitlines()[-1])["median"]


def busy_processes(n):
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    steps = int(args[0]) if args else 200
    busy = int(sys.argv[sys.argv.index("--busy") + 1]) if "--busy" in sys.argv else 1
    engines = [(name, "pysym", env) for name, env in (POLICIES.items() if "--policies" in sys.argv else [("pysym", {})])]
    if has_torch():
        engines.append(("torch", "torch", {}))
    if mxnet_python():
        engines.append(("mxnet", "mxnet", {}))
    results = {}
    for condition in ("idle", "loaded"):
        procs = busy_processes(busy) if condition == "loaded" else []
        try:
            for net in NETS:
                for label, engine, env in engines:
                    results[(condition, net, label)] = run(engine, net, steps, env)
        finally:
            for p in procs:
                p.kill()
    print(f"training step, median ms over {steps} steps; loaded = beside {busy} busy process(es)")
    print(f"{'net':10s} {'engine':16s} {'idle':>8s} {'loaded':>8s} {'loaded/idle':>12s} {'vs best idle':>13s} {'vs best loaded':>15s}")
    for net in NETS:
        best = {c: min(v for (cc, n, _), v in results.items() if cc == c and n == net and v is not None)
                for c in ("idle", "loaded")}
        for label, _, _ in engines:
            i, l = results[("idle", net, label)], results[("loaded", net, label)]
            if i is None or l is None:
                continue
            print(f"{net:10s} {label:16s} {i:8.3f} {l:8.3f} {l / i:12.2f} {i / best['idle']:13.2f} {l / best['loaded']:15.2f}")


if __name__ == "__main__":
    main()
