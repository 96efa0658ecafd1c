"""Where the records go: PyTorch's SummaryWriter or tf.summary when they can be imported (so a run's
event files are what TensorBoard users already have), else the built-in writer of events.py. All three
write the same tags and the same encodings (see tags.py):

- a histogram over fixed edges e0..eB with underflow u and overflow o is the classic HistogramProto
  with bucket_limit [e0, e1, ..., eB, DBL_MAX] and bucket [u, c0, ..., c(B-1), o] (through tf.summary:
  TensorFlow 2's [k, 3] rows of left edge, right edge, count, which say the same);
- a vector v of C entries is a histogram whose bucket i spans [i, i+1] with count v[i].
"""

import math
import sys

from . import events

DBL_MAX = sys.float_info.max


def _finite(values):
    return [v for v in values if math.isfinite(v)]


def _vector_stats(values):
    finite = _finite(values)
    return len(values), sum(finite), sum(v * v for v in finite)


class _Builtin:
    name = "builtin"

    def __init__(self, log_dir, suffix):
        self._file = events.EventFileWriter(log_dir, suffix)
        self._pending = {}
        self.path = self._file.path

    def _add(self, step, value):
        self._pending.setdefault(step, []).append(value)

    def scalar(self, tag, value, step):
        self._add(step, events.scalar_value(tag, float(value)))

    def histogram(self, tag, edges, counts, underflow, overflow, stats, step):
        num, lo, hi, total, squares = stats
        proto = events.histogram_proto(lo, hi, num, total, squares, list(edges) + [DBL_MAX], [underflow] + list(counts) + [overflow])
        self._add(step, events.histogram_value(tag, proto))

    def vector(self, tag, values, step):
        n, total, squares = _vector_stats(values)
        proto = events.histogram_proto(0.0, float(n), float(n), total, squares, [float(i + 1) for i in range(n)], values)
        self._add(step, events.histogram_value(tag, proto))

    def flush(self):
        for step in sorted(self._pending):
            self._file.add(step, self._pending[step])
        self._pending = {}
        self._file.flush()

    def close(self):
        self.flush()
        self._file.close()


class _Torch:
    name = "torch.utils.tensorboard"

    def __init__(self, log_dir, suffix):
        from torch.utils.tensorboard import SummaryWriter  # needs the tensorboard package too
        self._w = SummaryWriter(log_dir=log_dir, filename_suffix=suffix)
        self.path = log_dir

    def scalar(self, tag, value, step):
        self._w.add_scalar(tag, float(value), step)

    def histogram(self, tag, edges, counts, underflow, overflow, stats, step):
        num, lo, hi, total, squares = stats
        self._w.add_histogram_raw(tag, lo, hi, num, total, squares, list(edges) + [DBL_MAX], [underflow] + list(counts) + [overflow], step)

    def vector(self, tag, values, step):
        n, total, squares = _vector_stats(values)
        self._w.add_histogram_raw(tag, 0.0, float(n), float(n), total, squares, [float(i + 1) for i in range(n)], list(values), step)

    def flush(self):
        self._w.flush()

    def close(self):
        self._w.close()


# SummaryMetadata { PluginData plugin_data = 1 { string plugin_name = 1 } } for TensorFlow 2 histograms and scalars.
_HISTOGRAM_METADATA = events._bytes(1, events._bytes(1, b"histograms"))
_SCALAR_METADATA = events._bytes(1, events._bytes(1, b"scalars"))


class _TfSummary:
    name = "tf.summary"

    def __init__(self, log_dir, suffix):
        import tensorflow as tf
        self._tf = tf
        self._w = tf.summary.create_file_writer(log_dir, filename_suffix=suffix)
        self.path = log_dir

    def _rows(self, tag, rows, step):
        tf = self._tf
        with self._w.as_default():
            tf.summary.write(tag, tf.constant(rows, dtype=tf.float64, shape=(len(rows), 3)), step=step, metadata=_HISTOGRAM_METADATA)

    def scalar(self, tag, value, step):
        # tf.summary.scalar lives in the tensorboard package; tf.summary.write is TensorFlow's own.
        tf = self._tf
        with self._w.as_default():
            tf.summary.write(tag, tf.constant(float(value), dtype=tf.float32), step=step, metadata=_SCALAR_METADATA)

    def histogram(self, tag, edges, counts, underflow, overflow, stats, step):
        _, lo, hi, _, _ = stats
        rows = [[min(lo, edges[0]), edges[0], underflow]]
        rows += [[edges[i], edges[i + 1], counts[i]] for i in range(len(counts))]
        rows.append([edges[-1], max(hi, edges[-1]), overflow])
        self._rows(tag, rows, step)

    def vector(self, tag, values, step):
        self._rows(tag, [[float(i), float(i + 1), v] for i, v in enumerate(values)], step)

    def flush(self):
        self._w.flush()

    def close(self):
        self._w.close()


def open_writer(log_dir, suffix, prefer):
    """prefer: "torch", "tf" or "builtin"; falls back to the built-in writer when the preferred
    library (or the tensorboard package PyTorch's writer needs) cannot be imported."""
    kinds = {"torch": _Torch, "tf": _TfSummary}
    if prefer in kinds:
        try:
            return kinds[prefer](log_dir, suffix)
        except ImportError:
            pass
    elif prefer != "builtin":
        raise ValueError("writer is 'auto', 'torch', 'tf' or 'builtin', not %r" % (prefer,))
    return _Builtin(log_dir, suffix)
