"""Random: MXNet's Random.seed. Random operators (Dropout) in executors bound after a seed draw a
reproducible stream; each executor has its own stream. Data iterators built after a seed shuffle
reproducibly too."""
from . import _jvm


class Random:
    @staticmethod
    def seed(seedState):
        _jvm.JExecutor.seed(int(seedState))
        _jvm.jpype.JClass("org.pysym.train.data.DataRandom").seed(int(seedState))
