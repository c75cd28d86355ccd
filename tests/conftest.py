"""One JVM per test session; at the end every native byte must have been released."""
import gc
import time

import numpy as np
import pytest

import pysym
from pysym import _jvm


def release_all(timeout=10.0):
    """Collects Python garbage and nudges the Java Cleaner until the live byte count stops falling."""
    System = _jvm.jpype.JClass("java.lang.System")
    deadline = time.time() + timeout
    while True:
        gc.collect()
        System.gc()
        time.sleep(0.05)
        if pysym.liveBytes() == 0 or time.time() > deadline:
            return pysym.liveBytes()


@pytest.fixture(scope="session", autouse=True)
def no_native_leaks():
    yield
    live = release_all()
    assert live == 0, f"{live} native bytes still allocated at the end of the test run"


@pytest.fixture(autouse=True)
def fresh_names():
    pysym.resetNames()
    yield


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
