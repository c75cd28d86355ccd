"""NDArray: creation, properties, contents, views, arithmetic; and the NumPy bridge."""
import gc

import numpy as np
import pytest

import pysym
from pysym import Context, DType, NDArray, PysymError, Shape
from conftest import release_all


def test_creation_and_properties():
    a = NDArray.empty(2, 3)
    assert a.shape == Shape(2, 3) and str(a.shape) == "(2,3)"
    assert a.size == 6
    assert str(a.dtype) == "float32" and a.dtype == DType.Float32
    assert str(a.context) == "cpu(0)" and a.context == Context.cpu()
    np.testing.assert_array_equal(NDArray.zeros((2, 3)).asnumpy(), np.zeros((2, 3)))
    np.testing.assert_array_equal(NDArray.ones(Shape(4)).asnumpy(), np.ones(4))
    np.testing.assert_array_equal(NDArray.full((2, 2), 7.5).asnumpy(), np.full((2, 2), 7.5))
    np.testing.assert_array_equal(NDArray.array([[1, 2], [3, 4]]).asnumpy(), [[1, 2], [3, 4]])
    np.testing.assert_array_equal(NDArray.array([1, 2, 3, 4, 5, 6], shape=Shape(2, 3)).asnumpy(), [[1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(NDArray.arange(0, 5).toArray(), np.arange(0, 5, dtype=np.float32))
    np.testing.assert_array_equal(NDArray.arange(1, 2.5, 0.5, repeat=2).toArray(), [1, 1, 1.5, 1.5, 2, 2])
    np.testing.assert_array_equal(NDArray.arange(3).toArray(), [0, 1, 2])


def test_other_dtypes_store_and_convert():
    for dt in (np.float64, np.float16, np.int32, np.int64, np.uint8, np.int8):
        a = NDArray.array([1, 2, 3], dtype=dt)
        assert str(a.dtype) == np.dtype(dt).name
        np.testing.assert_array_equal(np.asarray(a), np.array([1, 2, 3], dtype=dt))
        assert np.asarray(a).dtype == dt
        np.testing.assert_array_equal(NDArray.full((2,), 3, dtype=dt).asnumpy(), np.full(2, 3, dtype=dt))


def test_set_copy_and_to_array():
    a = NDArray.zeros(2, 2)
    a.set(3)
    np.testing.assert_array_equal(a.toArray(), [3, 3, 3, 3])
    a.set([[1, 2], [3, 4]])
    assert a.toArray().tolist() == [1, 2, 3, 4]          # flat, as Scala's toArray
    b = NDArray.zeros(2, 2)
    assert a.copyTo(b) is b
    np.testing.assert_array_equal(b.asnumpy(), [[1, 2], [3, 4]])
    c = a.copy()
    a.set(0)
    np.testing.assert_array_equal(c.asnumpy(), [[1, 2], [3, 4]])
    assert NDArray.ones(1).toScalar() == 1.0
    a[:] = 5
    np.testing.assert_array_equal(a.asnumpy(), np.full((2, 2), 5))


def test_reshape_with_mxnet_codes_shares_memory():
    a = NDArray.array(np.arange(24).reshape(2, 3, 4))
    assert a.reshape(4, 0, 2).shape == Shape(4, 3, 2)
    assert a.reshape(-1).shape == Shape(24)
    assert a.reshape(-3, 4).shape == Shape(6, 4)
    assert a.reshape(2, -2).shape == Shape(2, 3, 4)
    assert a.reshape(-4, 1, 2, -2).shape == Shape(1, 2, 3, 4)
    assert a.reshape(Shape(6, 4)).shape == Shape(6, 4)
    r = a.reshape(6, 4)
    r.set(1)
    np.testing.assert_array_equal(a.asnumpy(), np.ones((2, 3, 4)))


def test_slicing_first_axis_shares_memory():
    a = NDArray.array(np.arange(12).reshape(4, 3))
    s = a.slice(1, 3)
    assert s.shape == Shape(2, 3)
    np.testing.assert_array_equal(s.asnumpy(), [[3, 4, 5], [6, 7, 8]])
    s.set(0)
    np.testing.assert_array_equal(a.asnumpy()[1:3], np.zeros((2, 3)))
    np.testing.assert_array_equal(a[3].asnumpy(), [9, 10, 11])
    assert a[3].shape == Shape(3)
    assert a.slice(2).shape == Shape(1, 3)
    np.testing.assert_array_equal(a[-1].asnumpy(), [9, 10, 11])
    np.testing.assert_array_equal(a[2:].asnumpy(), [[0, 0, 0], [9, 10, 11]])


def test_arithmetic_against_numpy(rng):
    x = rng.uniform(0.5, 2, (3, 4)).astype(np.float32)
    y = rng.uniform(0.5, 2, (3, 4)).astype(np.float32)
    a, b = NDArray.array(x), NDArray.array(y)
    cases = [(a + b, x + y), (a - b, x - y), (a * b, x * y), (a / b, x / y), (a ** b, x ** y),
             (a + 2, x + 2), (2 + a, 2 + x), (a - 2, x - 2), (2 - a, 2 - x), (a * 3, x * 3), (3 * a, 3 * x),
             (a / 4, x / 4), (4 / a, 4 / x), (a ** 2, x ** 2), (2 ** a, 2 ** x), (-a, -x),
             (NDArray.maximum(a, b), np.maximum(x, y)), (NDArray.minimum(a, 1.0), np.minimum(x, 1.0)),
             (a.exp(), np.exp(x)), (a.log(), np.log(x)), (a.sqrt(), np.sqrt(x)), (a.square(), x * x),
             (a.tanh(), np.tanh(x)), (a.sigmoid(), 1 / (1 + np.exp(-x))), ((-a).relu(), np.zeros_like(x)),
             ((-a).abs(), x)]
    for got, want in cases:
        np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-5)


def test_in_place_arithmetic():
    a = NDArray.array([1.0, 2.0])
    alias = a
    a += NDArray.array([10.0, 20.0])
    a *= 2
    a -= 1
    a /= 2
    a **= 2
    assert a is alias
    np.testing.assert_allclose(a.toArray(), (((np.array([11, 22]) * 2) - 1) / 2) ** 2)


def test_equality_is_shape_and_values():
    assert NDArray.ones(2) == NDArray.array([1, 1])
    assert not (NDArray.ones(2) == NDArray.ones(2, 1))


def test_print_format_matches_scala():
    a = NDArray.array([1, 2, 3, 4, 5, 6], shape=(2, 3))
    assert repr(a) == "[\n [1.0,2.0,3.0]\n [4.0,5.0,6.0]\n]\n<NDArray (2,3) cpu(0) float32>"


# ---- NumPy bridge ----------------------------------------------------------------------------

def test_asarray_is_a_zero_copy_view():
    a = NDArray.zeros(2, 3)
    v = np.asarray(a)
    assert v.shape == (2, 3) and v.dtype == np.float32
    v[0, 0] = 42
    assert a.toArray()[0] == 42          # the view writes the NDArray's memory
    a.set(7)
    assert v[1, 2] == 7                  # and sees its writes
    assert not v.flags.owndata


def test_view_keeps_memory_alive_after_owner_disposed():
    release_all()
    before = pysym.liveBytes()
    a = NDArray.array(np.arange(1000, dtype=np.float32))
    v = np.asarray(a)
    a.dispose()
    with pytest.raises(PysymError):
        a.toArray()
    assert pysym.liveBytes() == before + 4000        # still held by the view
    np.testing.assert_array_equal(v, np.arange(1000))  # memory intact
    v[:] = 1                                           # still writable without crashing
    del v
    gc.collect()
    assert pysym.liveBytes() == before


def test_view_outlives_its_owner_object():
    def make_view():
        return np.asarray(NDArray.array(np.arange(10, dtype=np.float32) * 2))
    v = make_view()
    release_all(timeout=1.0)
    np.testing.assert_array_equal(v, np.arange(10) * 2)
    w = v[2:5]                       # a view of the view keeps the lease too
    del v
    gc.collect()
    np.testing.assert_array_equal(w, [4, 6, 8])


def test_array_from_numpy_copies():
    src = np.arange(6, dtype=np.float32).reshape(2, 3)
    a = NDArray.array(src)
    src[0, 0] = 100
    assert a.toArray()[0] == 0
    b = NDArray.array(np.arange(6, dtype=np.float64).reshape(3, 2)[::2])   # non-contiguous source
    np.testing.assert_array_equal(b.asnumpy(), [[0, 1], [4, 5]])


def test_dispose_releases_native_memory_and_context_manager():
    release_all()
    before = pysym.liveBytes()
    with NDArray.zeros(1000) as a:
        assert pysym.liveBytes() == before + 4000
        s = a.slice(0, 10)
    assert pysym.liveBytes() == before + 4000        # the slice still holds the buffer
    s.dispose()
    assert pysym.liveBytes() == before


def test_unreachable_arrays_are_released_by_the_cleaner():
    release_all()
    before = pysym.liveBytes()
    for _ in range(50):
        NDArray.ones(1000) * 2
    assert release_all() == before
