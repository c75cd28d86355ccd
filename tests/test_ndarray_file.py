"""MXNet's binary NDArray-list files (.params) from Python: pysym.ndfile.save / load / checkpoints.

The fixtures were written by MXNet 1.9.1 (tests/fixtures/README.md); their values are in
<model>-io.npz under arg/ and aux/. The interop test runs real MXNet where its venv exists.
"""
import json
import os
import struct
import subprocess
import sys

import numpy as np
import pytest

import pysym
from pysym import NDArray, PysymError
from pysym import ndfile as ndio
from conftest import release_all

FIX = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "mxnet")
MODELS = ["bn_residual", "concat_net", "group", "lenet", "mlp"]
DTYPES = ["float32", "float64", "float16", "uint8", "int32", "int8", "int64"]
MXNET_PY = os.path.join(os.environ.get("PYSYM_MXNET_VENV", os.path.expanduser("~/.cache/pysym/mxnet-venv")), "bin", "python")


def values(dtype, shape, rng):
    n = int(np.prod(shape))
    if dtype.startswith("float"):
        v = rng.normal(0, 100, n)
    else:
        info = np.iinfo(dtype)
        v = rng.integers(max(info.min, -2**40), min(info.max, 2**40), n, endpoint=True)
    return v.astype(dtype).reshape(shape)


def dispose_all(loaded):
    for a in (loaded.values() if isinstance(loaded, dict) else loaded):
        a.dispose()


# ---- MXNet's own files ---------------------------------------------------------------------------

@pytest.mark.parametrize("model", MODELS)
def test_mxnet_fixture_loads_bit_exactly(model):
    assert os.path.exists(os.path.join(FIX, f"{model}-0000.params"))
    loaded = ndio.load(os.path.join(FIX, f"{model}-0000.params"))
    assert isinstance(loaded, dict) and loaded
    with np.load(os.path.join(FIX, f"{model}-io.npz"), allow_pickle=False) as z:
        for key, arr in loaded.items():
            want = z[key.replace(":", "/", 1)]
            got = np.asarray(arr)
            assert got.dtype == want.dtype and got.shape == want.shape, key
            assert got.tobytes() == want.tobytes(), key
    dispose_all(loaded)


@pytest.mark.parametrize("model", MODELS)
def test_load_checkpoint_params_splits_arg_and_aux(model):
    info = json.load(open(os.path.join(FIX, "models.json")))["models"][model]
    arg, aux = ndio.load_checkpoint_params(os.path.join(FIX, model), 0)
    assert sorted(arg) == sorted(info["params"])
    assert sorted(aux) == sorted(info["list_auxiliary_states"])
    shapes = dict(zip(info["list_arguments"], info["infer_shape"]["arg_shapes"]))
    for k, v in arg.items():
        assert tuple(v.shape) == tuple(shapes[k])
    dispose_all(arg)
    dispose_all(aux)


def test_pysym_rewrites_mxnet_files_byte_for_byte(tmp_path):
    for model in MODELS:
        src = os.path.join(FIX, f"{model}-0000.params")
        loaded = ndio.load(src)
        ndio.save(tmp_path / "copy.params", loaded)
        assert (tmp_path / "copy.params").read_bytes() == open(src, "rb").read(), model
        arg, aux = ndio.load_checkpoint_params(os.path.join(FIX, model), 0)
        ndio.save_checkpoint_params(str(tmp_path / model), 0, arg, aux)
        assert (tmp_path / f"{model}-0000.params").read_bytes() == open(src, "rb").read(), model
        for d in (loaded, arg, aux):
            dispose_all(d)


# ---- round trips -----------------------------------------------------------------------------------

def test_round_trip_every_dtype_dict_and_list(tmp_path, rng):
    shapes = [(5,), (2, 3), (1, 2, 1, 3), (0, 4)]
    ref = {f"{dt}{i}": values(dt, s, rng) for dt in DTYPES for i, s in enumerate(shapes)}
    nds = {k: NDArray.array(v, dtype=v.dtype) for k, v in ref.items()}
    ndio.save(tmp_path / "d.params", nds)
    back = ndio.load(str(tmp_path / "d.params"))
    assert isinstance(back, dict) and list(back) == list(ref)       # the dict's order is the file's order
    for k, v in ref.items():
        got = np.asarray(back[k])
        assert got.dtype == v.dtype and got.shape == v.shape and np.array_equal(got, v), k
    ndio.save(tmp_path / "l.params", list(nds.values()))
    back_list = ndio.load(tmp_path / "l.params")
    assert isinstance(back_list, list) and len(back_list) == len(ref)
    for got, v in zip(back_list, ref.values()):
        assert np.asarray(got).tobytes() == v.tobytes() and np.asarray(got).dtype == v.dtype
    # from bytes, as mx.nd.load_frombuffer
    frombuf = ndio.load_frombuffer((tmp_path / "d.params").read_bytes())
    assert list(frombuf) == list(ref)
    for d in (nds, back, back_list, frombuf):
        dispose_all(d)


def test_single_array_tuple_empty_and_unicode_names(tmp_path):
    a = NDArray.array([[1, 2], [3, 4]])
    ndio.save(tmp_path / "one.params", a)
    (b,) = ndio.load(tmp_path / "one.params")
    np.testing.assert_array_equal(b.asnumpy(), [[1, 2], [3, 4]])
    ndio.save(tmp_path / "t.params", (a, a))
    assert len(ndio.load(tmp_path / "t.params")) == 2
    ndio.save(tmp_path / "e.params", [])
    assert ndio.load(tmp_path / "e.params") == []
    ndio.save(tmp_path / "e2.params", {})
    assert ndio.load(tmp_path / "e2.params") == []        # MXNet cannot tell an empty dict from an empty list
    ndio.save(tmp_path / "u.params", {"arg:poids_é": a, "": a})
    assert list(ndio.load(tmp_path / "u.params")) == ["arg:poids_é", ""]
    assert ndio.params_file("model", 3) == "model-0003.params"


def test_exact_bytes_of_a_small_file(tmp_path):
    ndio.save(tmp_path / "x.params", {"w": NDArray.array([1.5, -2.0]), "n": NDArray.array([7], dtype="int64")})
    want = struct.pack("<QQQ", 0x112, 0, 2)
    want += struct.pack("<IiiqiiI", 0xF993FAC9, 0, 1, 2, 1, 0, 0) + np.array([1.5, -2], "<f4").tobytes()
    want += struct.pack("<IiiqiiI", 0xF993FAC9, 0, 1, 1, 1, 0, 6) + struct.pack("<q", 7)
    want += struct.pack("<Q", 2) + struct.pack("<Q", 1) + b"w" + struct.pack("<Q", 1) + b"n"
    assert (tmp_path / "x.params").read_bytes() == want


def test_checkpoint_round_trip(tmp_path, rng):
    arg = {"fc_weight": NDArray.array(values("float32", (3, 2), rng)), "fc_bias": NDArray.array([0.5, 1, 2])}
    aux = {"bn_moving_var": NDArray.array(values("float64", (4,), rng), dtype="float64")}
    prefix = str(tmp_path / "net")
    ndio.save_checkpoint_params(prefix, 12, arg, aux)
    assert list(ndio.load(tmp_path / "net-0012.params")) == ["arg:fc_weight", "arg:fc_bias", "aux:bn_moving_var"]
    arg2, aux2 = ndio.load_checkpoint_params(prefix, 12)
    assert list(arg2) == list(arg) and list(aux2) == list(aux)
    for src, dst in ((arg, arg2), (aux, aux2)):
        for k in src:
            assert np.asarray(dst[k]).tobytes() == np.asarray(src[k]).tobytes()
            assert dst[k].dtype == src[k].dtype
    with pytest.raises(PysymError, match="net-0013.params"):
        ndio.load_checkpoint_params(prefix, 13)
    ndio.save(tmp_path / "net-0001.params", [arg["fc_bias"]])
    with pytest.raises(PysymError, match="no names"):
        ndio.load_checkpoint_params(prefix, 1)


def test_repeated_names_keep_the_last_array():
    buf = struct.pack("<QQQ", 0x112, 0, 2)
    for v in (1.0, 2.0):
        buf += struct.pack("<IiiqiiI", 0xF993FAC9, 0, 1, 1, 1, 0, 0) + struct.pack("<f", v)
    buf += struct.pack("<Q", 2) + (struct.pack("<Q", 1) + b"a") * 2
    d = ndio.load_frombuffer(buf)
    assert list(d) == ["a"] and d["a"].asnumpy().tolist() == [2.0]


# ---- errors -----------------------------------------------------------------------------------------

def test_save_argument_errors(tmp_path):
    a = NDArray.ones(2)
    with pytest.raises(TypeError, match="key 3"):
        ndio.save(tmp_path / "x.params", {3: a})
    with pytest.raises(TypeError, match="item 1"):
        ndio.save(tmp_path / "x.params", [a, np.ones(2)])
    with pytest.raises(TypeError, match="data needs to"):
        ndio.save(tmp_path / "x.params", "nope")
    with pytest.raises(TypeError, match="fname"):
        ndio.load(3)
    with pytest.raises(PysymError, match="0-dimensional"):
        ndio.save(tmp_path / "x.params", [NDArray.empty(())])
    d = NDArray.ones(2)
    d.dispose()
    with pytest.raises(PysymError, match="array 'd'.*disposed"):
        ndio.save(tmp_path / "x.params", {"a": a, "d": d})
    assert not (tmp_path / "x.params").exists()
    assert os.listdir(tmp_path) == []            # no temporary left behind


def _array(stype=0, ndim=1, dims=(1,), dev=1, flag=0, magic=0xF993FAC9):
    return struct.pack("<Iii", magic, stype, ndim) + struct.pack(f"<{len(dims)}q", *dims) + struct.pack("<iiI", dev, 0, flag)


@pytest.mark.parametrize("data, fragments", [
    (b"", ["truncated", "file header", "byte offset 0"]),
    (struct.pack("<QQQ", 0x113, 0, 0), ["not an MXNet NDArray file", "0x113", "byte offset 0"]),
    (struct.pack("<QQQ", 0x112, 0, 1 << 60), ["array count", "byte offset 16"]),
    (struct.pack("<QQQ", 0x112, 0, 1) + _array(ndim=40, dims=()), ["ndim 40", "byte offset 32"]),
    (struct.pack("<QQQ", 0x112, 0, 1) + _array(ndim=2, dims=(1 << 20, 1 << 20)), ["needs 4398046511104 bytes", "byte offset 64"]),
    (struct.pack("<QQQ", 0x112, 0, 1) + _array(flag=7), ["dtype bool", "not support", "byte offset 52"]),
    (struct.pack("<QQQ", 0x112, 0, 1) + _array(flag=42), ["unknown type flag 42"]),
    (struct.pack("<QQQ", 0x112, 0, 1) + _array(stype=1), ["row_sparse", "not supported", "byte offset 28"]),
    (struct.pack("<QQQ", 0x112, 0, 1) + _array(stype=2), ["csr", "not supported"]),
    (struct.pack("<QQQ", 0x112, 0, 1) + _array() + b"\0\0\x80\x3f" + struct.pack("<QQ", 1, 1 << 40),
     ["name 0's length", "byte offset 68"]),
    (struct.pack("<QQQ", 0x112, 0, 1) + _array() + b"\0\0\x80\x3f" + struct.pack("<Q", 3), ["3 names for 1 arrays"]),
], ids=["empty", "wrong_magic", "absurd_count", "absurd_ndim", "absurd_dims", "bool_dtype", "unknown_dtype", "row_sparse",
        "csr", "absurd_name_length", "name_count_mismatch"])
def test_malformed_bytes_raise_clear_errors(tmp_path, data, fragments):
    start = release_all()   # let earlier tests' garbage go first, so only this test moves the count
    path = tmp_path / "bad.params"
    path.write_bytes(data)
    for attempt in (lambda: ndio.load(path), lambda: ndio.load_frombuffer(data)):
        with pytest.raises(PysymError) as e:
            attempt()
        for f in fragments:
            assert f in str(e.value), str(e.value)
    assert pysym.liveBytes() == start


def test_fuzz_corrupted_fixture_files(tmp_path):
    """Every corrupted or truncated file either loads or raises PysymError, and frees what it allocated."""
    rng = np.random.default_rng(99)
    start = release_all()   # let earlier tests' garbage go first, so only this test moves the count
    outcomes = {"loaded": 0, "rejected": 0}
    path = tmp_path / "f.params"
    for model in MODELS:
        good = open(os.path.join(FIX, f"{model}-0000.params"), "rb").read()
        for i in range(60):
            b = bytearray(good)
            if i % 3 == 0:
                b = b[:rng.integers(0, len(b))]
            else:
                for _ in range(rng.integers(1, 5)):
                    b[rng.integers(0, len(b))] = int(rng.integers(0, 256))
                if i % 3 == 2:
                    pos = int(rng.integers(0, 120))
                    b[pos:pos + 8] = struct.pack("<q", int(rng.choice([-1, 1 << 31, 1 << 40, 9, 2**63 - 1])))
            path.write_bytes(bytes(b))
            try:
                loaded = ndio.load(path)
            except PysymError as e:
                assert "byte offset" in str(e)
                outcomes["rejected"] += 1
            else:
                outcomes["loaded"] += 1
                dispose_all(loaded)
    assert pysym.liveBytes() == start
    assert outcomes["loaded"] > 10 and outcomes["rejected"] > 10, outcomes


# ---- real MXNet ---------------------------------------------------------------------------------------

_MXNET_SCRIPT = r"""
import sys
import numpy as np
import mxnet as mx
d = sys.argv[1]
ref = np.load(d + "/ref.npz")
for fname, named in (("/pysym_named.params", True), ("/pysym_list.params", False)):
    got = mx.nd.load(d + fname)
    assert isinstance(got, dict) == named, type(got)
    items = list(got.items()) if named else list(zip(ref.files, got))
    assert [k for k, _ in items] == list(ref.files), [k for k, _ in items]
    for k, v in items:
        want = ref[k]
        a = v.asnumpy()
        assert v.context == mx.cpu(0)
        assert a.dtype == want.dtype and a.shape == want.shape and a.tobytes() == want.tobytes(), k
# and the other way: MXNet writes every dtype, a list, and a NumPy-semantics (V3) file with a scalar
rng = np.random.RandomState(5)
out = {}
for dt in ["float32", "float64", "float16", "uint8", "int32", "int8", "int64"]:
    v = (rng.normal(0, 50, (3, 4)) if dt.startswith("float") else rng.randint(-100, 100, (3, 4))).astype(dt)
    if dt == "uint8":
        v = rng.randint(0, 255, (3, 4)).astype(dt)
    out["arg:" + dt] = v
mx.nd.save(d + "/mx_named.params", {k: mx.nd.array(v, dtype=v.dtype) for k, v in out.items()})
mx.nd.save(d + "/mx_list.params", [mx.nd.array(v, dtype=v.dtype) for v in out.values()])
with mx.util.np_shape(True):
    mx.nd.save(d + "/mx_v3.params", {"s": mx.nd.array(np.full((), 2.5)), "v": mx.nd.array(np.arange(3.0))})
np.savez(d + "/mx_ref.npz", **{k.replace(":", "_"): v for k, v in out.items()})
print("MXNET-OK", mx.__version__)
"""


@pytest.mark.skipif(not os.path.exists(MXNET_PY),
                    reason=f"MXNet 1.9.1 venv not found at {MXNET_PY} (create it with: bash tools/mxnet_env.sh)")
def test_mxnet_reads_pysym_files_and_pysym_reads_mxnet_files(tmp_path, rng):
    ref = {}
    for dt in DTYPES:
        for i, s in enumerate([(2, 3), (4,), (1, 2, 2, 1, 3)]):
            ref[f"arg:{dt}_{i}"] = values(dt, s, rng)
    nds = {k: NDArray.array(v, dtype=v.dtype) for k, v in ref.items()}
    ndio.save(tmp_path / "pysym_named.params", nds)
    ndio.save(tmp_path / "pysym_list.params", list(nds.values()))
    np.savez(tmp_path / "ref.npz", **ref)
    env = dict(os.environ, OMP_NUM_THREADS="2", MXNET_ENGINE_TYPE="NaiveEngine")
    r = subprocess.run([MXNET_PY, "-c", _MXNET_SCRIPT, str(tmp_path)], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0 and "MXNET-OK 1.9.1" in r.stdout, r.stdout + r.stderr
    dispose_all(nds)
    with np.load(tmp_path / "mx_ref.npz") as z:
        named = ndio.load(tmp_path / "mx_named.params")
        lst = ndio.load(tmp_path / "mx_list.params")
        assert list(named) == ["arg:" + dt for dt in DTYPES] and len(lst) == len(DTYPES)
        for dt, arr in zip(DTYPES, lst):
            want = z["arg_" + dt]
            for got in (np.asarray(named["arg:" + dt]), np.asarray(arr)):
                assert got.dtype == want.dtype and got.tobytes() == want.tobytes(), dt
        dispose_all(named)
        dispose_all(lst)
    v3 = ndio.load(tmp_path / "mx_v3.params")
    assert v3["s"].shape == () and float(np.asarray(v3["s"])) == 2.5
    np.testing.assert_array_equal(np.asarray(v3["v"]), [0, 1, 2])
    dispose_all(v3)
