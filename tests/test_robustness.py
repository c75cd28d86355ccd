"""Nothing may crash the process: every public operator fed odd parameters and shapes ends in success
or a PysymError. Runs in a child process so a native crash fails this test and names the case."""
import os
import subprocess
import sys


def test_operator_fuzz_never_crashes():
    script = os.path.join(os.path.dirname(__file__), "robustness_fuzz.py")
    r = subprocess.run([sys.executable, script, "8"], capture_output=True, text=True, timeout=600)
    last_case = r.stderr.strip().splitlines()[-1:] if r.stderr else []
    assert r.returncode == 0, f"fuzz process died (exit {r.returncode}) at {last_case}: {r.stderr[-3000:]}"
    status = r.stdout.strip().splitlines()[-1].split()
    assert status[0] == "ok" and int(status[1]) > 500, r.stdout
