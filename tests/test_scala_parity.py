"""Scala REPL parity: each tutorial program in tests/scala/<name>.scala is fed to ONE Scala REPL
(./pysym-scala, Scala 2.13; and ./pysym-scala --scala3, Scala 3.3, from the same facade sources) line by
line, as a user types it; its Python twin tests/scala/<name>.py runs through
pysym here. Every parity(label, value) of the two must agree: names, shapes, outputs, gradients and
aux states, numbers to float32 round-off. A failure names the program and the line on each side.

The REPL needs jvm/build/libs/pysym-scala.jar (`gradle -q scalaJar`); ./pysym-scala builds it when
it is missing or older than the sources."""
import importlib.util
import json
import math
import os
import re
import subprocess

import pytest

import pysym

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SCALA_DIR = os.path.join(HERE, "scala")
PROGRAMS = ["pictures", "symbolic_api", "mlp_sgd", "batchnorm", "ndarray", "viz"]
RTOL, ATOL = 1e-5, 1e-6
PROMPT = "scala> "
# a REPL compile error (2.13: "error: ...", 3: "-- [E007] Type Mismatch Error: ..."), or an exception the
# REPL reports (org.pysym.PysymError: ..., java.lang.X: ...)
ERROR = re.compile(r"^\s*error: |^-- (\[E\d+\] )?[\w ]*Error|^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+(Exception|Error)(: |$)")


def statement_starts(lines):
    """The line numbers (1-based) at which the REPL reads a new statement: every line read while no
    bracket is open. A parity program continues a statement only inside (), [] or {}."""
    starts, depth = [], 0
    for no, line in enumerate(lines, 1):
        if depth == 0:
            starts.append(no)
        code = re.sub(r"//.*$", "", re.sub(r'"(\\.|[^"\\])*"', '""', line))
        depth += sum(code.count(c) for c in "([{") - sum(code.count(c) for c in ")]}")
    return starts


class ReplRun:
    """One REPL process for every program; its transcript split per program and per statement."""

    def __init__(self, scala3=False):
        parts = [open(os.path.join(SCALA_DIR, "prelude.scala")).read()]
        self.sources = {}
        for name in PROGRAMS:
            src = open(os.path.join(SCALA_DIR, name + ".scala")).read()
            self.sources[name] = src.splitlines()
            # harness line: fresh auto-names (_plus0, fullyconnected0) per program, and a boundary marker
            parts.append(f'{{ org.pysym.graph.NameManager.reset(); println("@@PROGRAM {name}") }}\n' + src)
        stdin = "\n".join(p.rstrip("\n") for p in parts) + "\n"
        env = dict(os.environ)
        proc = subprocess.run([os.path.join(ROOT, "pysym-scala")] + (["--scala3"] if scala3 else []), input=stdin, capture_output=True, text=True,
                              env=env, timeout=600, cwd=ROOT)
        self.stdout, self.stderr = proc.stdout, proc.stderr
        self.returncode = proc.returncode
        self.programs = {}
        chunks = re.split(r"^(?:scala> )?@@PROGRAM (\w+)\n", self.stdout, flags=re.M)
        for i in range(1, len(chunks) - 1, 2):
            self.programs[chunks[i]] = chunks[i + 1]

    def result(self, name):
        """(values by label, errors as (line, statement, message))."""
        text = self.programs.get(name)
        assert text is not None, (f"the REPL transcript has no output for program {name}\n"
                                  f"stdout tail:\n{self.stdout[-3000:]}\nstderr tail:\n{self.stderr[-3000:]}")
        lines = self.sources[name]
        starts = statement_starts(lines)
        # the text after the marker statement's own prompt belongs to statement 0, and so on
        segments = text.split(PROMPT)[1:]
        values, errors = {}, []
        for k, seg in enumerate(segments):
            line = starts[k] if k < len(starts) else None
            where = (line, lines[line - 1].strip() if line else "<after the program>")
            for out in seg.splitlines():
                if out.startswith("PARITY "):
                    _, label, payload = out.split(" ", 2)
                    values[label] = json.loads(payload)
                elif ERROR.match(out):
                    errors.append((*where, out.strip() + "\n" + seg.strip()[:800]))
        return values, errors


@pytest.fixture(scope="module", params=["scala2.13", "scala3"])
def repl(request):
    return ReplRun(scala3=request.param == "scala3")


def run_twin(name):
    spec = importlib.util.spec_from_file_location("scala_parity_prelude", os.path.join(SCALA_DIR, "prelude.py"))
    prelude = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(prelude)
    rec = prelude.Recorder()
    path = os.path.join(SCALA_DIR, name + ".py")
    pysym.resetNames()
    code = compile(open(path).read(), path, "exec")
    exec(code, {"parity": rec, "__name__": "twin_" + name})
    return rec


def label_line(name, label):
    for no, line in enumerate(open(os.path.join(SCALA_DIR, name + ".scala")), 1):
        if f'"{label}"' in line:
            return no
    return None


def diff(a, b, path="value"):
    """The first difference between two JSON values, numbers compared to float32 round-off."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None or isinstance(a, str) or isinstance(b, str):
        return None if a == b else f"{path}: scala {a!r} != python {b!r}"
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if math.isclose(a, b, rel_tol=RTOL, abs_tol=ATOL):
            return None
        return f"{path}: scala {a!r} != python {b!r}"
    if isinstance(a, dict) and isinstance(b, dict):
        if sorted(a) != sorted(b):
            return f"{path}: keys scala {sorted(a)} != python {sorted(b)}"
        for k in sorted(a):
            d = diff(a[k], b[k], f"{path}[{k!r}]")
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: length scala {len(a)} != python {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = diff(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    return f"{path}: scala {a!r} ({type(a).__name__}) != python {b!r} ({type(b).__name__})"


@pytest.mark.parametrize("name", PROGRAMS)
def test_scala_python_parity(repl, name):
    values, errors = repl.result(name)
    assert not errors, "\n".join(f"tests/scala/{name}.scala line {line}: {stmt}\n  {msg}" for line, stmt, msg in errors)
    twin = run_twin(name)
    problems = []
    for label in sorted(set(values) | set(twin.values)):
        where = f"tests/scala/{name}.scala line {label_line(name, label)} / tests/scala/{name}.py line {twin.lines.get(label)}"
        if label not in values:
            problems.append(f"{label}: printed by the Python twin only ({where})")
        elif label not in twin.values:
            problems.append(f"{label}: printed by the Scala program only ({where})")
        else:
            d = diff(values[label], twin.values[label])
            if d:
                problems.append(f"{label} ({where}): {d}")
    assert not problems, f"program {name}: {len(problems)} mismatches\n" + "\n".join(problems)
    assert values, f"program {name} printed no parity values"


def test_generator_covers_the_registry_without_the_native_library(tmp_path):
    """ScalaApiGenerator reads only the declarations: it runs with no native library, and writes a typed
    Symbol.api function for every public operator name (and a legacy Symbol.X for all but the reserved ones)."""
    jar = os.path.join(ROOT, "jvm", "build", "libs", "pysym.jar")
    proc = subprocess.run(["java", "-Dpysym.native.lib=/nonexistent/libpysym.so", "-cp", jar,
                           "org.pysym.codegen.ScalaApiGenerator", str(tmp_path)],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "PYSYM_NATIVE_LIB": ""})
    assert proc.returncode == 0, proc.stderr
    api = (tmp_path / "SymbolAPI.scala").read_text()
    legacy = (tmp_path / "SymbolBase.scala").read_text()
    names = [str(n) for op in pysym._jvm.JOpRegistry.all() for n in [op.name, *op.aliases] if not str(n).startswith("_")]
    assert names
    missing = [n for n in names if not re.search(rf"\n  def `?{re.escape(n)}`?\(", api)]
    assert not missing, f"Symbol.api lacks {missing}"
    reserved = {"Variable", "Group", "pow", "max", "min", "maximum", "minimum", "zeros", "ones", "arange", "load", "loadJson"}
    missing = [n for n in names if n not in reserved and not re.search(rf"\n  def `?{re.escape(n)}`?\(name: String", legacy)]
    assert not missing, f"legacy Symbol.X lacks {missing}"
    fc = re.search(r"def FullyConnected\((.*?)\): org.pysym.Symbol", api).group(1)
    assert fc.startswith("data: Option[org.pysym.Symbol] = None, weight: Option[org.pysym.Symbol] = None, "
                         "bias: Option[org.pysym.Symbol] = None, num_hidden: Int, no_bias: Option[Boolean] = None"), fc
    assert fc.endswith("name: String = null, attr: Map[String, String] = null"), fc
