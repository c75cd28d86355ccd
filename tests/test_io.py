"""Data iterators (pysym.io over org.pysym.train.data): batches, pads and indices against MXNet 1.9.1's
recorded batches (tests/fixtures/mxnet/io.json, make_io_fixtures.py) and NumPy references written here;
IDX and CSV parsing with malformed files; PrefetchingIter and ResizeIter; ownership and leaks."""
import gc
import gzip
import json
import os
import sys
import time

import jpype
import numpy as np
import pytest

import pysym
from pysym import DataBatch, DataDesc, DataIter, IO, Layout, NDArray, PysymError, Random, Shape
from pysym.io import NDArrayIter, PrefetchingIter, ResizeIter
from conftest import release_all

FIX = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "mxnet")
sys.path.insert(0, FIX)
import io_inputs  # noqa: E402

with open(os.path.join(FIX, "io.json")) as _f:
    GOLDEN = json.load(_f)


def epochs(it, n, decode):
    """decode(batch) for every batch of n epochs, resetting after each."""
    out = []
    for _ in range(n):
        out.append([decode(b) for b in it])
        it.reset()
    return out


def rows_pad_index(b):
    return (np.asarray(b.data[0])[:, 0] / 2).astype(int).tolist(), b.pad, b.index


@pytest.fixture
def baseline():
    """The test must release every native byte it allocates (garbage left by earlier tests may go)."""
    before = pysym.liveBytes()
    yield before
    System = jpype.JClass("java.lang.System")
    for _ in range(100):
        if pysym.liveBytes() <= before:
            return
        gc.collect()
        System.gc()
        time.sleep(0.02)
    assert pysym.liveBytes() <= before, f"{pysym.liveBytes() - before} native bytes not released"


# ---- NDArrayIter -------------------------------------------------------------------------------

@pytest.mark.parametrize("case", GOLDEN["ndarray_iter"], ids=lambda c: f"n{c['n']}-b{c['batch_size']}-{c['last_batch_handle']}")
def test_ndarray_iter_matches_mxnet(case, baseline):
    n, bs = case["n"], case["batch_size"]
    data = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    label = np.arange(n, dtype=np.float32) * 10
    with NDArrayIter(data, label, dataBatchSize=bs, lastBatchHandle=case["last_batch_handle"]) as it:
        assert [list(d.shape) for d in it.provideDataDesc] == [s for _, s in case["provide_data"]]
        assert [list(d.shape) for d in it.provideLabelDesc] == [s for _, s in case["provide_label"]]
        got = epochs(it, len(case["epochs"]), lambda b: (rows_pad_index(b), np.asarray(b.label[0]).tolist()))
    for e, (mine, theirs) in enumerate(zip(got, case["epochs"])):
        assert [m[0][0] for m in mine] == [t["rows"] for t in theirs], f"epoch {e} rows"
        assert [m[0][1] for m in mine] == [t["pad"] for t in theirs], f"epoch {e} pads"
        # pysym's index is the source row of each batch row (MXNet's Python NDArrayIter gives None)
        assert [m[0][2] for m in mine] == [t["rows"] for t in theirs]
        assert [m[1] for m in mine] == [[10.0 * r for r in t["rows"]] for t in theirs]


def numpy_reference(n, bs, handle, n_epochs, orders):
    """MXNet 1.9.1's NDArrayIter semantics, written with array concatenation, given the example order
    of each epoch (orders[e]): the rows and pad of every batch of every epoch."""
    out, carry = [], None
    for e in range(n_epochs):
        order = np.asarray(orders[e])
        batches, start = [], 0
        if carry is not None:
            batches.append((np.concatenate([carry, order[:bs - len(carry)]]).tolist(), len(carry)))
            start, carry = bs - len(carry), None
        while start < n:
            rows = order[start:start + bs]
            if len(rows) < bs:
                if handle == "pad":
                    rows = np.concatenate([rows, np.resize(order, bs - len(rows))])
                    batches.append((rows.tolist(), bs - (n - start)))
                elif handle == "roll_over":
                    carry = rows
                break
            batches.append((rows.tolist(), 0))
            start += bs
        out.append(batches)
    return out


@pytest.mark.parametrize("handle", ["pad", "discard", "roll_over"])
@pytest.mark.parametrize("n,bs", [(10, 3), (11, 4), (3, 7), (12, 4)])
def test_ndarray_iter_shuffle(handle, n, bs, baseline):
    if handle != "pad" and bs > n:
        return
    x = np.random.default_rng(5).normal(size=(n, 3, 2)).astype(np.float32)
    y = np.arange(n, dtype=np.float32)
    Random.seed(42)
    with NDArrayIter(x, y, dataBatchSize=bs, shuffle=True, lastBatchHandle=handle) as it:
        got = []
        for _ in range(4):
            epoch = []
            for b in it:
                idx = b.index
                assert np.array_equal(np.asarray(b.data[0]), x[idx])       # rows gathered exactly
                assert np.array_equal(np.asarray(b.label[0]), y[idx])
                epoch.append((idx, b.pad))
            got.append(epoch)
            it.reset()
    # each epoch's order, read back from its batches: what was served, less the rows carried in from the
    # previous epoch and the padding, then the rows left at the end (carried into the next epoch)
    orders = []
    for e, epoch in enumerate(got):
        flat = [r for idx, _ in epoch for r in idx]
        if handle == "pad":
            order = flat[:len(flat) - (epoch[-1][1] if epoch else 0)]
        else:
            carried = epoch[0][1] if handle == "roll_over" and epoch else 0
            order = flat[carried:]
            nxt = got[e + 1] if e + 1 < len(got) else None
            if handle == "roll_over" and nxt and nxt[0][1]:
                order += nxt[0][0][:nxt[0][1]]
            else:
                order += sorted(set(range(n)) - set(order))
        assert sorted(order) == list(range(n)), f"epoch {e} is not a permutation"
        orders.append(order)
    assert got == [[(rows, pad) for rows, pad in ep] for ep in numpy_reference(n, bs, handle, 4, orders)]
    assert len({tuple(o) for o in orders}) > 1 or n <= 3, "every epoch should draw a new order"
    # Random.seed makes the orders reproducible
    Random.seed(42)
    with NDArrayIter(x, y, dataBatchSize=bs, shuffle=True, lastBatchHandle=handle) as again:
        assert epochs(again, 4, lambda b: (b.index, b.pad)) == got


def test_ndarray_iter_inputs_and_names(baseline):
    a = np.arange(12, dtype=np.float64).reshape(6, 2)
    b = np.arange(18).reshape(6, 3)
    lab = np.arange(6)
    with NDArrayIter({"b": b, "a": a}, {"y": lab}, dataBatchSize=4) as it:        # dict order kept (as Scala's)
        assert [d.name for d in it.provideDataDesc] == ["b", "a"]
        assert it.provideData == {"b": Shape(4, 3), "a": Shape(4, 2)}
        assert it.provideLabel == {"y": Shape(4)}
        assert [str(d.dtype) for d in it.provideDataDesc] == ["float32", "float32"]   # NumPy in -> float32, as MXNet
        batch = it.next()
        assert np.array_equal(np.asarray(batch.data[1]), a[:4].astype(np.float32))
        assert batch.provideDataDesc == it.provideDataDesc
    with NDArrayIter([a, b], [lab, lab], dataBatchSize=2) as it:                 # MXNet Scala: name_0, name_1
        assert [d.name for d in it.provideDataDesc] == ["data_0", "data_1"]
        assert [d.name for d in it.provideLabelDesc] == ["label_0", "label_1"]
    x = NDArray.array(a, dtype="int32")
    with NDArrayIter([(DataDesc("img", (6, 2), "int32", "NC"), x)], dataBatchSize=3, labelName="softmax_label") as it:
        assert repr(it.provideDataDesc[0]) == "DataDesc[img,(3,2),int32,NC]"
        assert it.provideLabelDesc == []
        assert np.array_equal(np.asarray(it.next().data[0]), a[:3].astype(np.int32))
    x.dispose()
    with NDArrayIter(np.ones((5, 2)), dataBatchSize=2, labelName="softmax_label") as it:
        assert it.provideLabel == {} and [d.name for d in it.provideDataDesc] == ["data"]
    with NDArrayIter([[1, 2], [3, 4], [5, 6]], [0, 1, 0], dataBatchSize=2) as it:   # plain lists are one array each
        assert it.provideData == {"data": Shape(2, 2)} and it.provideLabel == {"label": Shape(2)}
    built = NDArrayIter.Builder().addData("x", np.zeros((4, 3))).addLabel("t", np.ones(4)).setBatchSize(2).setShuffle(True).build()
    with built:
        assert built.provideData == {"x": Shape(2, 3)} and built.provideLabel == {"t": Shape(2)}
        assert sorted(i for b in built for i in b.index) == [0, 1, 2, 3]


def test_ndarray_iter_errors(baseline):
    x = np.zeros((5, 2))
    with pytest.raises(PysymError, match="lastBatchHandle must be one of pad, discard, roll_over, got 'wrap'"):
        NDArrayIter(x, dataBatchSize=2, lastBatchHandle="wrap")
    with pytest.raises(PysymError, match="'label' has shape \\(4\\) but the first input has 5 examples"):
        NDArrayIter(x, np.zeros(4), dataBatchSize=2)
    with pytest.raises(PysymError, match="batch size 6 exceeds the 5 examples; lastBatchHandle 'discard'"):
        NDArrayIter(x, dataBatchSize=6, lastBatchHandle="discard")
    with pytest.raises(PysymError, match="batch size must be >= 1, got 0"):
        NDArrayIter(x, dataBatchSize=0)
    with pytest.raises(PysymError, match="data must hold at least one array"):
        NDArrayIter([], dataBatchSize=1)
    with pytest.raises(PysymError, match="the name 'data' is given twice"):
        NDArrayIter({"data": x}, {"data": x}, dataBatchSize=1)
    with pytest.raises(PysymError, match="layout CN; batches are taken along axis 0"):
        NDArrayIter([(DataDesc("d", (5, 2), None, "CN"), x)], dataBatchSize=1)
    with pytest.raises(PysymError, match="the data has no examples"):
        NDArrayIter(np.zeros((0, 2)), dataBatchSize=1)
    with pytest.raises(PysymError, match="must be an array, got 'abc'"):
        NDArrayIter({"d": "abc"}, dataBatchSize=1)
    with pytest.raises(PysymError, match="layout NCHW names 4 axes but shape \\(5,2\\) has 2"):
        DataDesc("d", (5, 2), None, Layout.NCHW)
    with NDArrayIter(x, dataBatchSize=5) as it:
        it.next()
        with pytest.raises(StopIteration):
            it.next()
    it.dispose()                                  # idempotent
    with pytest.raises(PysymError, match="NDArrayIter has been disposed"):
        it.reset()


def test_data_desc():
    d = DataDesc("data", (2, 3, 4, 5), layout=Layout.NCHW)
    assert (d.name, d.shape, str(d.dtype), d.layout) == ("data", Shape(2, 3, 4, 5), "float32", "NCHW")
    assert DataDesc("x", Shape(3)) == DataDesc("x", (3,), "float32", Layout.UNDEFINED)
    assert repr(DataDesc("x", (3,))) == "DataDesc[x,(3),float32,__undefined__]"
    assert DataDesc.getBatchAxis("NCHW") == 0 and DataDesc.getBatchAxis("TNC") == 1
    assert DataDesc.getBatchAxis(None) == 0 and DataDesc.getBatchAxis(Layout.UNDEFINED) == 0
    with pytest.raises(PysymError, match="layout CHW has no batch axis"):
        DataDesc.getBatchAxis("CHW")


def test_buffers_owned_and_reused(baseline):
    src = NDArray.array(np.arange(20, dtype=np.float32).reshape(10, 2))
    it = NDArrayIter(src, dataBatchSize=4)
    src.dispose()                                 # the iterator keeps its own reference
    b1, b2 = it.next(), it.next()
    assert np.asarray(b1.data[0]).tolist() == [[0, 1], [2, 3], [4, 5], [6, 7]]   # still intact while b2 is filled
    assert np.asarray(b2.data[0])[0].tolist() == [8, 9]
    b1.dispose()                                  # a borrowed batch: leaves the buffers alone
    assert np.asarray(it.getData()[0])[0].tolist() == [8, 9] and it.getPad() == 0 and it.getIndex() == [4, 5, 6, 7]
    b3 = it.next()
    assert b3.data[0]._j.equals(b1.data[0]._j)    # buffers alternate: no allocation per batch
    assert b3.pad == 2 and b3.index == [8, 9, 0, 1]
    live = pysym.liveBytes()
    it.dispose()                                  # the data (10 x 2) and both batch buffers (4 x 2), float32
    assert pysym.liveBytes() == live - (10 * 2 + 2 * 4 * 2) * 4
    with pytest.raises(PysymError, match="disposed"):
        np.asarray(b3.data[0])
    own = DataBatch([np.ones((2, 3))], [np.zeros(2)], index=[5, 6], pad=1)
    assert own.index == [5, 6] and own.pad == 1 and own.provideData is None
    assert "data shapes: [(2,3)] label shapes: [(2)] pad: 1" in repr(own)
    own.dispose()
    assert own.data[0].isDisposed


# ---- MNISTIter ---------------------------------------------------------------------------------

@pytest.fixture
def mnist_files(tmp_path):
    return io_inputs.write_mnist(str(tmp_path))


@pytest.mark.parametrize("case", GOLDEN["mnist_iter"], ids=lambda c: json.dumps(c["params"]))
def test_mnist_iter_matches_mxnet(case, mnist_files, baseline):
    image, label = mnist_files
    with IO.MNISTIter({"image": image, "label": label, "shuffle": "0", **{k: str(v) for k, v in case["params"].items()}}) as it:
        assert [list(d.shape) for d in it.provideDataDesc] == case["provide_data"]
        assert [list(d.shape) for d in it.provideLabelDesc] == case["provide_label"]
        assert [d.name for d in it.provideDataDesc + it.provideLabelDesc] == ["data", "label"]    # MXNet Scala's names
        got = epochs(it, len(case["epochs"]), lambda b: (np.asarray(b.data[0]).tolist(), np.asarray(b.label[0]).tolist(), b.pad, b.index))
    images, labels = io_inputs.mnist_arrays()
    for mine, theirs in zip(got, case["epochs"]):
        assert [m[0] for m in mine] == [t["data"] for t in theirs]       # value/256, exactly MXNet's floats
        assert [m[1] for m in mine] == [t["label"] for t in theirs]
        assert [m[2] for m in mine] == [t["pad"] for t in theirs]
        for data, lab, _, index in mine:                                  # pysym's index: position in the file
            assert np.array_equal(np.asarray(data).reshape(len(index), -1), images[index].reshape(len(index), -1) / np.float32(256))
            assert lab == labels[index].tolist()


def test_mnist_iter_shuffle_and_options(mnist_files, tmp_path, baseline):
    image, label = mnist_files
    images, labels = io_inputs.mnist_arrays()

    def run(**kw):
        with IO.MNISTIter(image=image, label=label, batch_size=3, **kw) as it:
            return epochs(it, 2, lambda b: b.index)

    first = run(seed=10)
    assert first[0] == first[1], "MXNet shuffles once, at construction"
    assert sorted(i for b in first[0] for i in b) != list(range(9)) or first[0] != [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    assert len({i for b in first[0] for i in b}) == 9          # 3 full batches of distinct examples; one dropped
    assert run(seed=10) == first and run(seed=11) != first
    assert run(shuffle=False) == [[[0, 1, 2], [3, 4, 5], [6, 7, 8]]] * 2
    with IO.MNISTIter(image=image, label=label, batch_size=5, shuffle=True, seed=3, data_shape="(12,)", data_name="x",
                      label_name="softmax_label") as it:
        assert it.provideData == {"x": Shape(5, 12)} and it.provideLabel == {"softmax_label": Shape(5)}
        for b in it:
            assert np.array_equal(np.asarray(b.data[0]), images[b.index].reshape(5, 12) / np.float32(256))
            assert np.asarray(b.label[0]).tolist() == labels[b.index].tolist()
    gz_image, gz_label = str(tmp_path / "i.gz"), str(tmp_path / "l.gz")     # gzip-compressed files read through
    for src, dst in ((image, gz_image), (label, gz_label)):
        with open(src, "rb") as f, gzip.open(dst, "wb") as g:
            g.write(f.read())
    with IO.MNISTIter(image=gz_image, label=gz_label, batch_size=10, shuffle=False, flat=True) as it:
        assert np.array_equal(np.asarray(it.next().data[0]), images.reshape(10, 12) / np.float32(256))


def test_mnist_iter_bad_files(mnist_files, tmp_path, baseline):
    image, label = mnist_files
    images, labels = io_inputs.mnist_arrays()

    def mnist(img=image, lab=label, **kw):
        return IO.MNISTIter(image=img, label=lab, **{"batch_size": 2, **kw})

    def write(name, data):
        p = str(tmp_path / name)
        with open(p, "wb") as f:
            f.write(data)
        return p

    raw = open(image, "rb").read()
    with pytest.raises(PysymError, match=r"image file '.*labels-idx1-ubyte' is not an IDX file of unsigned bytes with 3 dimensions: "
                                         r"expected magic 0x00000803 at byte offset 0, found 0x00000801"):
        mnist(img=label)
    with pytest.raises(PysymError, match="expected magic 0x00000803 at byte offset 0, found 0x00000D03"):
        mnist(img=write("float", b"\x00\x00\x0d\x03" + raw[4:]))
    with pytest.raises(PysymError, match=r"is truncated: its header declares 10 x 3 x 4 = 120 data bytes from byte offset 16, so the "
                                         r"file should have 136 bytes, but it has 100 \(example 7, at byte offset 100, is the first incomplete one\)"):
        mnist(img=write("short", raw[:100]))
    with pytest.raises(PysymError, match="is truncated in its header: 3 dimension sizes need bytes 4..15, but the file has 9 bytes"):
        mnist(img=write("header", raw[:9]))
    with pytest.raises(PysymError, match="is too short for an IDX file: 2 bytes"):
        mnist(img=write("tiny", raw[:2]))
    with pytest.raises(PysymError, match="has 3 bytes after the data: its header declares 10 x 3 x 4 = 120 data bytes, ending at byte offset 136"):
        mnist(img=write("long", raw + b"abc"))
    io_inputs.write_idx(str(tmp_path / "nine"), labels[:9])
    with pytest.raises(PysymError, match=r"the label file '.*nine' holds 9 labels but the image file '.*' holds 10 images"):
        mnist(lab=str(tmp_path / "nine"))
    with pytest.raises(PysymError, match=r"image file '.*missing' does not exist"):
        mnist(img=str(tmp_path / "missing"))
    with pytest.raises(PysymError, match="unknown parameter 'bacth_size'; known: batch_size, ctx, data_name"):
        IO.MNISTIter(image=image, label=label, bacth_size=2)
    with pytest.raises(PysymError, match="parameter 'shuffle' must be a boolean \\(1, 0, true or false\\), got 'yes'"):
        mnist(shuffle="yes")
    with pytest.raises(PysymError, match="part_index 3 must be < num_parts 3"):
        mnist(num_parts=3, part_index=3)
    with pytest.raises(PysymError, match="data_shape \\(10\\) has 10 elements but each image is 3 x 4 = 12 pixels"):
        mnist(data_shape=(10,))
    with pytest.raises(PysymError, match="parameter 'batch_size' must be >= 1, got 0"):
        mnist(batch_size=0)


# ---- CSVIter -----------------------------------------------------------------------------------

@pytest.fixture
def csv_files(tmp_path):
    return io_inputs.write_csv(str(tmp_path))


@pytest.mark.parametrize("case", GOLDEN["csv_iter"], ids=lambda c: json.dumps(c["params"]))
def test_csv_iter_matches_mxnet(case, csv_files, baseline):
    data_csv, label_csv = csv_files
    params = {"data_csv": data_csv, "data_shape": f"({io_inputs.CSV_WIDTH},)"}
    for k, v in case["params"].items():
        if k == "label":
            params["label_csv"] = label_csv
        else:
            params[k] = v
    with IO.CSVIter(params) as it:
        assert [list(d.shape) for d in it.provideDataDesc] == case["provide_data"]
        assert [list(d.shape) for d in it.provideLabelDesc] == case["provide_label"]
        got = epochs(it, len(case["epochs"]), lambda b: {"data": np.asarray(b.data[0]).tolist(), "label": np.asarray(b.label[0]).tolist(),
                                                          "pad": b.pad, "index": b.index})
    assert got == case["epochs"]
    data, label = io_inputs.csv_arrays()
    for epoch in got:                             # NumPy reference: every row is the CSV row its index names
        for b in epoch:
            assert np.array_equal(np.asarray(b["data"], dtype=np.float32), data[b["index"]])


def test_csv_iter_parsing(tmp_path, baseline):
    def write(name, text):
        p = tmp_path / name
        p.write_text(text)
        return str(p)

    f = write("ok.csv", " 1, 2 ,3\n\n4e1,-2.5,+7\r\n.5,inf,-NaN\n")
    with IO.CSVIter(data_csv=f, data_shape=(3, 1), batch_size=3, label_shape=(1,)) as it:
        b = it.next()
        v = np.asarray(b.data[0])
        assert v.shape == (3, 3, 1) and v[:2].ravel().tolist() == [1, 2, 3, 40, -2.5, 7]
        assert v[2, 0, 0] == 0.5 and v[2, 1, 0] == np.inf and np.isnan(v[2, 2, 0])
        assert np.asarray(b.label[0]).tolist() == [0, 0, 0] and b.index == [0, 1, 2]
    ints = write("ints.csv", "1,2\n3,-4\n")
    with IO.CSVIter(data_csv=ints, data_shape=(2,), label_csv=ints, label_shape=(2,), batch_size=2, dtype="int64") as it:
        b = it.next()
        assert str(b.data[0].dtype) == "int64" and np.asarray(b.label[0]).tolist() == [[1, 2], [3, -4]]
    d = tmp_path / "dir"
    d.mkdir()
    (d / "b.csv").write_text("1\n2\n3\n")
    (d / "a.csv").write_text("7\n8\n")
    with IO.CSVIter(data_csv=str(d), data_shape=(1,), batch_size=5) as it:      # a directory: files in name order
        assert np.asarray(it.next().data[0]).ravel().tolist() == [7, 8, 1, 2, 3]

    bad = write("bad.csv", "1,2,3\n4,x,6\n")
    with pytest.raises(PysymError, match=r"data_csv '.*bad.csv' line 2, column 2: 'x' is not a number"):
        IO.CSVIter(data_csv=bad, data_shape=(3,), batch_size=1)
    short = write("short.csv", "1,2,3\n\n4,5\n")
    with pytest.raises(PysymError, match=r"data_csv '.*short.csv' line 3 has 2 values, but data_shape \(3\) needs 3"):
        IO.CSVIter(data_csv=short, data_shape=(3,), batch_size=1)
    with pytest.raises(PysymError, match="line 1, column 1: '1.5' is not an integer in int32's range"):
        IO.CSVIter(data_csv=write("f.csv", "1.5\n"), data_shape=(1,), batch_size=1, dtype="int32")
    with pytest.raises(PysymError, match="line 1, column 3: '' is not a number"):
        IO.CSVIter(data_csv=write("trail.csv", "1,2,\n"), data_shape=(3,), batch_size=1)
    with pytest.raises(PysymError, match=r"label_csv '.*two.csv' has 2 rows but data_csv '.*bad.csv' has"):
        IO.CSVIter(data_csv=write("bad.csv", "1\n2\n3\n"), data_shape=(1,), label_csv=write("two.csv", "1\n2\n"), batch_size=1)
    with pytest.raises(PysymError, match="parameter 'data_shape' is required"):
        IO.CSVIter(data_csv=bad, batch_size=1)
    with pytest.raises(PysymError, match="parameter 'batch_size' is required"):
        IO.CSVIter(data_csv=bad, data_shape=(3,))
    with pytest.raises(PysymError, match="parameter 'dtype' must be one of float32, int32, int64, got 'float16'"):
        IO.CSVIter(data_csv=bad, data_shape=(3,), batch_size=1, dtype="float16")
    with pytest.raises(PysymError, match="round_batch needs 5 more rows to complete the last batch but the data has 3 rows"):
        with IO.CSVIter(data_csv=write("three.csv", "1\n2\n3\n"), data_shape=(1,), batch_size=8) as it:
            it.next()
    with pytest.raises(PysymError, match="unknown iterator 'ImageRecordIter'"):
        IO.createIterator("ImageRecordIter", {})


# ---- PrefetchingIter and ResizeIter ------------------------------------------------------------

def prefetch_threads():
    threads = jpype.JClass("java.lang.Thread").getAllStackTraces().keySet()
    return [str(t.getName()) for t in threads if str(t.getName()).startswith("pysym-prefetch") and t.isAlive()]


@pytest.mark.parametrize("handle", ["pad", "discard", "roll_over"])
def test_prefetching_equals_plain(handle, baseline):
    x = np.random.default_rng(1).normal(size=(23, 4)).astype(np.float32)
    y = np.arange(23, dtype=np.float32)

    def record(it):
        return epochs(it, 3, lambda b: (np.asarray(b.data[0]).copy(), np.asarray(b.label[0]).copy(), b.pad, b.index))

    Random.seed(3)
    with NDArrayIter(x, y, dataBatchSize=5, shuffle=True, lastBatchHandle=handle) as plain:
        expected = record(plain)
    Random.seed(3)
    inner = NDArrayIter(x, y, dataBatchSize=5, shuffle=True, lastBatchHandle=handle)
    with PrefetchingIter(inner) as it:
        assert it.provideDataDesc == inner.provideDataDesc and it.batchSize == 5
        got = record(it)
        assert it.threadsAlive
    assert not it.threadsAlive and not prefetch_threads()
    inner.dispose()
    assert len(got) == len(expected)
    for ge, ee in zip(got, expected):
        assert len(ge) == len(ee)
        for g, e in zip(ge, ee):
            assert np.array_equal(g[0], e[0]) and np.array_equal(g[1], e[1]) and g[2:] == e[2:]


def test_prefetching_combines_and_renames(baseline):
    a, b = np.arange(20, dtype=np.float32).reshape(10, 2), -np.arange(10, dtype=np.float32)
    it1, it2 = NDArrayIter(a, b, dataBatchSize=4), NDArrayIter(b, a, dataBatchSize=4)
    with PrefetchingIter([it1, it2], dataNames=[{"data": "d1"}, {"data": "d2"}], labelNames=[{"label": "l1"}, {"label": "l2"}]) as it:
        assert it.provideData == {"d1": Shape(4, 2), "d2": Shape(4)}
        assert it.provideLabel == {"l1": Shape(4), "l2": Shape(4, 2)}
        assert len(list(it)) == 3
        it.reset()
        seen = [(np.asarray(x.data[0]).tolist(), np.asarray(x.data[1]).tolist(), x.pad, x.index) for x in it]
        assert seen[0] == (a[:4].tolist(), b[:4].tolist(), 0, [0, 1, 2, 3])
        assert seen[2] == (a[[8, 9, 0, 1]].tolist(), b[[8, 9, 0, 1]].tolist(), 2, [8, 9, 0, 1])
        assert it.getData()[0]._j.equals(it1.getData()[0]._j)       # the inner iterator's own buffer: no copy
    with pytest.raises(PysymError, match="dataNames\\[0\\] has no new name for 'data'"):
        PrefetchingIter([it1], dataNames=[{"x": "y"}])
    short = NDArrayIter(a[:8], dataBatchSize=4)
    it1.reset()
    with PrefetchingIter([it1, short]) as it:
        it.next(), it.next()
        with pytest.raises(PysymError, match="iterator 1 has ended while iterator 0 has another batch"):
            it.next()
    with pytest.raises(PysymError, match="nesting them would overwrite batches"):
        with PrefetchingIter(it1) as p:
            PrefetchingIter([p])
    for i in (it1, it2, short):
        i.dispose()
    assert not prefetch_threads()


class Countdown(DataIter):
    """A Python iterator: n batches of a constant, built fresh each time (the batch owns its arrays)."""

    def __init__(self, n, fail_at=None):
        self.n, self.left, self.fail_at, self.served = n, n, fail_at, []

    def reset(self):
        self.left = self.n

    @property
    def hasNext(self):
        return self.left > 0

    def next(self):
        if self.left == 0:
            raise StopIteration
        k = self.n - self.left
        if k == self.fail_at:
            raise ValueError(f"broken batch {k}")
        self.left -= 1
        self.served.append(k)
        return DataBatch([np.full((2, 3), k, dtype=np.float32)], [np.full(2, -k, dtype=np.float32)], index=[2 * k, 2 * k + 1])

    @property
    def batchSize(self):
        return 2

    @property
    def provideDataDesc(self):
        return [DataDesc("data", (2, 3))]

    @property
    def provideLabelDesc(self):
        return [DataDesc("label", (2,))]


def test_python_iterator_in_java(baseline):
    py = Countdown(3)
    assert [np.asarray(b.data[0])[0, 0] for b in py] == [0, 1, 2] and py.provideData == {"data": Shape(2, 3)}
    py.reset()
    with PrefetchingIter(py) as it:          # a Java thread calls into Python while the main thread waits in Java
        got = [(np.asarray(b.data[0])[0, 0], np.asarray(b.label[0]).tolist(), b.index) for b in it]
        assert got == [(0, [0, 0], [0, 1]), (1, [-1, -1], [2, 3]), (2, [-2, -2], [4, 5])]
        assert it.getIndex() == [4, 5]
    with ResizeIter(Countdown(2), 5) as it:
        assert [np.asarray(b.data[0])[0, 0] for b in it] == [0, 1, 0, 1, 0]
    failing = Countdown(4, fail_at=2)
    with PrefetchingIter(failing) as it:
        it.next(), it.next()
        with pytest.raises(PysymError, match="PrefetchingIter: iterator 0 failed: .*broken batch 2"):
            it.next()
        with pytest.raises(PysymError, match="broken batch 2"):   # stays failed until reset
            it.hasNext
        failing.fail_at = None
        it.reset()
        assert len(list(it)) == 4
    assert not prefetch_threads()


def test_prefetching_threads_stop_when_dropped(baseline):
    it = PrefetchingIter(Countdown(3))
    it.next()
    assert prefetch_threads()
    del it                                    # never disposed: the Cleaner stops the thread
    for _ in range(50):
        release_all(0.2)
        if not prefetch_threads():
            break
    assert not prefetch_threads()


def test_resize_iter(baseline):
    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    with NDArrayIter(x, dataBatchSize=3) as inner:          # 4 batches per epoch, the last padded
        with ResizeIter(inner, 6) as it:
            assert it.provideData == {"data": Shape(3, 1)} and it.batchSize == 3
            first = [(b.index, b.pad) for b in it]
            assert first == [([0, 1, 2], 0), ([3, 4, 5], 0), ([6, 7, 8], 0), ([9, 0, 1], 2), ([0, 1, 2], 0), ([3, 4, 5], 0)]
            it.reset()                                      # resets the inner iterator too
            assert [b.index for b in it][:2] == [[0, 1, 2], [3, 4, 5]] and it.getPad() == 0
        with ResizeIter(inner, 3, resetInternal=False) as it:
            inner.reset()
            assert [b.index[0] for b in it] == [0, 3, 6]
            it.reset()
            assert [b.index[0] for b in it] == [9, 0, 3]     # goes on where the inner iterator was
        with ResizeIter(inner, 0) as it:
            assert list(it) == []


# ---- MNIST-format files from scikit-learn's digits ---------------------------------------------

def test_digits_as_idx_files(tmp_path, baseline):
    from idx_digits import write_digits_idx
    image, label, images, labels = write_digits_idx(str(tmp_path), size=28)
    assert images.shape == (1797, 28, 28) and images.dtype == np.uint8 and labels.max() == 9
    with IO.MNISTIter(image=image, label=label, batch_size=64, shuffle=True, seed=1) as it:
        assert it.provideData == {"data": Shape(64, 1, 28, 28)}
        n = 0
        for b in it:
            assert np.array_equal(np.asarray(b.data[0])[:, 0], images[b.index] / np.float32(256))
            assert np.asarray(b.label[0]).tolist() == labels[b.index].tolist()
            n += 1
        assert n == 1797 // 64


class Halves(DataIter):
    """MXNet Scala's pattern: the current batch through getData()/getLabel(); next() comes from DataIter."""

    def __init__(self, x):
        self.x, self.pos, self.arrays = x, -2, []

    def reset(self):
        self.pos = -2

    def hasNext(self):                     # a method, not a property: both spellings work
        return self.pos + 2 < len(self.x)

    def next(self):
        if not self.hasNext():
            raise StopIteration
        self.pos += 2
        return super().next()

    def getData(self):
        return [self.x[self.pos:self.pos + 2]]

    def getLabel(self):
        return [np.zeros(2)]

    def getIndex(self):
        return [self.pos, self.pos + 1]

    def batchSize(self):
        return 2

    def provideDataDesc(self):
        return [DataDesc("data", (2, 3))]

    def provideLabelDesc(self):
        return [DataDesc("label", (2,))]


def test_python_iterator_scala_style(baseline):
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    with ResizeIter(Halves(x), 3) as it:
        assert it.batchSize == 2 and it.provideData == {"data": Shape(2, 3)}
        got = [(np.asarray(b.data[0]).tolist(), b.index) for b in it]
    assert got == [(x[:2].tolist(), [0, 1]), (x[2:].tolist(), [2, 3]), (x[:2].tolist(), [0, 1])]
    with pytest.raises(PysymError, match="expected a DataIter, got list"):
        ResizeIter([1, 2], 2)
