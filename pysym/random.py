"""Random: MXNet's Random.seed. Random operators (Dropout) in executors bound after a seed draw a
reproducible stream; each executor has its own stream."""
from . import _jvm


class Random:
    @staticmethod
    def seed(seedState):
        _jvm.JExecutor.seed(int(seedState))
