"""Test cases for the softmax and loss-head family (ops/Loss.java). Loss heads give their input
gradient through grad_check (backward() without head gradients); labels take no gradient."""
import numpy as np

from cases import ANY, Case


def softmax(x, axis=-1, temperature=None):
    z = x / (1.0 if temperature is None else temperature)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(x, axis=-1, temperature=None):
    z = x / (1.0 if temperature is None else temperature)
    m = z.max(axis=axis, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=axis, keepdims=True))


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def class_labels(n_classes):
    return lambda rng, shape: rng.integers(0, n_classes, shape).astype(np.float32)


def softmax_output_grad(x, label, grad_scale=1.0, normalization="null"):
    """(softmax - one_hot(label)) * grad_scale, divided by the batch size for 'batch'."""
    y = softmax(x, axis=1)
    onehot = np.eye(x.shape[1])[label.astype(int)]
    norm = x.shape[0] if normalization == "batch" else 1
    return [(y - onehot) * grad_scale / norm]


def regression_grad(out_fn, sign=False):
    def grad(x, label, grad_scale=1.0):
        diff = out_fn(x) - label.reshape(x.shape)
        num_output = label.size // label.shape[0]
        d = np.where(diff > 0, 1.0, -1.0) if sign else diff
        return [d * grad_scale / num_output]
    return grad


def make_loss_grad(x, grad_scale=1.0, valid_thresh=0.0, normalization="null"):
    if normalization == "valid":
        scale = grad_scale / max(1, int(np.sum(x > valid_thresh)))
    elif normalization == "batch":
        scale = grad_scale / int(np.prod(x.shape[:-1]))
    else:
        scale = grad_scale
    return [np.full_like(x, scale)]


CASES = {
    "softmax": Case(softmax, [ANY], {"axis": 1, "temperature": 2.0}, shapes=[(2, 3, 4)]),
    "log_softmax": Case(log_softmax, [ANY]),
    "SoftmaxActivation": Case(lambda x, mode: softmax(x, axis=-1), [ANY], {"mode": "instance"}),
    "SoftmaxOutput": Case(lambda x, label, **p: softmax(x, axis=1), [ANY, class_labels(5)],
                          {"grad_scale": 2.0, "normalization": "batch"}, shapes=[(4, 5), (4,)],
                          wrt=[0], grad_check=softmax_output_grad),
    "LinearRegressionOutput": Case(lambda x, label, **p: x, [ANY, ANY], {"grad_scale": 0.5},
                                   wrt=[0], grad_check=regression_grad(lambda x: x)),
    "LogisticRegressionOutput": Case(lambda x, label, **p: sigmoid(x), [ANY, (0.0, 1.0)], {"grad_scale": 3.0},
                                     wrt=[0], grad_check=regression_grad(sigmoid)),
    "MAERegressionOutput": Case(lambda x, label, **p: x, [ANY, ANY], {"grad_scale": 2.0}, shapes=[(4, 1), (4,)],
                                wrt=[0], grad_check=regression_grad(lambda x: x, sign=True)),
    "MakeLoss": Case(lambda x, **p: x, [ANY], {"grad_scale": 0.5, "normalization": "valid", "valid_thresh": 0.1},
                     grad_check=make_loss_grad),
    "BlockGrad": Case(lambda x: x.copy(), [ANY], differentiable=False),
}
