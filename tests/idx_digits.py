"""MNIST-format (IDX) files made from scikit-learn's bundled digits (1797 8x8 images, 0..16), for tests
that train on "MNIST" without downloading it: no PyPI package installable here ships the MNIST files."""
import os

import numpy as np

from fixtures.mxnet.io_inputs import write_idx


def digits_images(size=28):
    """The digits as uint8 images (values scaled to 0..255), enlarged to size x size: each pixel
    repeated to a square block, centred (28: 24 x 24 digits in a 2-pixel border, as MNIST's margin)."""
    from sklearn.datasets import load_digits
    d = load_digits()
    images = np.rint(d.images * (255.0 / 16.0)).astype(np.uint8)
    scale = size // 8
    if scale > 1:
        images = images.repeat(scale, axis=1).repeat(scale, axis=2)
    border = size - images.shape[1]
    lo = border // 2
    out = np.zeros((len(images), size, size), dtype=np.uint8)
    out[:, lo:lo + images.shape[1], lo:lo + images.shape[2]] = images
    return out, d.target.astype(np.uint8)


def write_digits_idx(directory, size=28, prefix="digits"):
    """Writes <prefix>-images-idx3-ubyte and <prefix>-labels-idx1-ubyte; returns their paths and the arrays."""
    images, labels = digits_images(size)
    image_path = os.path.join(directory, f"{prefix}-images-idx3-ubyte")
    label_path = os.path.join(directory, f"{prefix}-labels-idx1-ubyte")
    write_idx(image_path, images)
    write_idx(label_path, labels)
    return image_path, label_path, images, labels
