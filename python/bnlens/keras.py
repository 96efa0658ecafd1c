"""bnlens.keras.Callback(log_dir, every=50): the Keras 3 counterpart of bnlens.torch.watch, as a
callback for model.fit (any backend). Tags and encodings are the same (tags.py).

A step is one training batch. At steps 0, every, 2·every, … it logs every BatchNormalization,
LayerNormalization and GroupNormalization layer's moving mean/variance (Keras' convention:
moving = momentum·moving + (1 − momentum)·batch, variance as Keras keeps it), γ and β, and how many
NaN/±Inf values they hold; every other step costs one small check of those, so the step at which one
first turns non-finite is logged at once (and the next step in full).

Callbacks never see the training batches, so the activations come from `probe`, a batch of inputs you
pass (e.g. x_train[:64]): at each recorded step the model runs on it in training mode, as fit() does,
and the layers' inputs and outputs give the pre/post histograms and per-channel batch mean/variance;
the moving statistics that forward updates are put back afterwards. Without `probe` only the layers'
own state is logged. The probe needs a model with symbolic inputs (Sequential or functional, built).
"""

import json
import math
import os

import keras
import numpy as np

from . import stats, tags
from .writers import open_writer


def _norm_types():
    names = ("BatchNormalization", "LayerNormalization", "GroupNormalization")
    return tuple(getattr(keras.layers, n) for n in names if hasattr(keras.layers, n))


def _default_rank():
    """The worker's index under tf.distribute's multi-worker strategies (TF_CONFIG), else 0."""
    try:
        return int(json.loads(os.environ.get("TF_CONFIG", "{}")).get("task", {}).get("index", 0))
    except (ValueError, AttributeError):
        return 0


def _walk(layer):
    for sub in getattr(layer, "layers", []) or []:
        yield sub
        yield from _walk(sub)


def _axes(layer, rank):
    axis = getattr(layer, "axis", -1)
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    return sorted(a % rank for a in axes)


def _state(layer):
    out = []
    for source, attr in (("running_mean", "moving_mean"), ("running_var", "moving_variance"), ("gamma", "gamma"), ("beta", "beta")):
        v = getattr(layer, attr, None)
        if v is not None:
            out.append((source, v))
    return out


def _nonfinite(a):
    return int(np.size(a) - np.count_nonzero(np.isfinite(a)))


class _Layer:
    def __init__(self, layer):
        self.layer = layer
        self.name = layer.name
        self.kind = type(layer).__name__
        self.edges = {}
        self.bad = set()
        self.described = False

    def channels(self):
        for _, v in _state(self.layer):
            return int(np.size(v))
        return 0


class Callback(keras.callbacks.Callback):
    def __init__(self, log_dir, every=50, probe=None, rank=None, writer="tf"):
        super().__init__()
        if every < 1:
            raise ValueError("every must be at least 1, not %r" % (every,))
        self.every = int(every)
        self.rank = _default_rank() if rank is None else int(rank)
        self.step = 0
        self.probe = probe
        self._log_dir = log_dir
        self._writer_choice = writer if keras.backend.backend() == "tensorflow" or writer == "builtin" else "builtin"
        self._writer = None
        self._layers = None
        self._probe_model = None
        self._force = False

    @property
    def writer_kind(self):
        return self._writer.name if self._writer else None

    def _tag(self, layer, quantity):
        return tags.tag(self.rank, layer.name, quantity)

    def on_train_begin(self, logs=None):
        if self._writer is None:
            self._writer = open_writer(self._log_dir, ".rank%d" % self.rank, self._writer_choice)
        if self._layers is None:
            self._layers = [_Layer(l) for l in _walk(self.model) if isinstance(l, _norm_types())]
            if self.probe is not None and self._layers:
                outputs = [t for l in self._layers for t in (l.layer.input, l.layer.output)]
                inputs = self.model.inputs
                self._probe_model = keras.Model(inputs[0] if len(inputs) == 1 else inputs, outputs)

    def on_train_batch_end(self, batch, logs=None):
        step = self.step
        self.step += 1
        if step % self.every == 0 or self._force:
            self._force = False
            self._record(step)
            self._writer.flush()
            return
        state = [np.asarray(keras.ops.convert_to_numpy(v)) for l in self._layers for _, v in _state(l.layer)]
        if state and not np.isfinite(sum(float(np.sum(a)) for a in state)):
            self._late_alarms(step)

    def on_train_end(self, logs=None):
        if self._writer:
            self._writer.flush()

    def close(self):
        if self._writer:
            self._writer.close()
            self._writer = None

    def _alarm(self, layer, source, count, step):
        self._writer.scalar(self._tag(layer, "nonfinite/" + source), count, step)
        if count and source not in layer.bad:
            print("bnlens: %s (%s) %s holds %d NaN/Inf value(s) at step %d" % (layer.name, layer.kind, source, count, step))
        (layer.bad.add if count else layer.bad.discard)(source)

    def _late_alarms(self, step):
        for layer in self._layers:
            for source, v in _state(layer.layer):
                count = _nonfinite(keras.ops.convert_to_numpy(v))
                if count and source not in layer.bad:
                    self._alarm(layer, source, count, step)
        self._writer.flush()
        self._force = True

    def _histogram(self, layer, role, x, step):
        flat = x.reshape(-1)
        if flat.size > stats.SAMPLE:
            flat = flat[:: flat.size // stats.SAMPLE][:stats.SAMPLE]
        flat = flat.astype(np.float64)
        finite = flat[np.isfinite(flat)]
        if role not in layer.edges:
            if finite.size:
                s = np.sort(finite)
                lo, hi = stats.quantile_positions(s.size)
                layer.edges[role] = stats.fixed_edges(float(s[lo]), float(s[hi]))
            else:
                layer.edges[role] = stats.fixed_edges(0.0, 0.0)
        edges = layer.edges[role]
        counts, _ = np.histogram(finite, bins=np.asarray(edges))
        under = int(np.count_nonzero(finite < edges[0]))
        over = int(np.count_nonzero(finite > edges[-1]))
        n = int(finite.size)
        dmin = float(finite.min()) if n else edges[0]
        dmax = float(finite.max()) if n else edges[-1]
        total = float(finite.sum())
        squares = float((finite * finite).sum())
        self._writer.histogram(self._tag(layer, role), edges, counts.tolist(), under, over, (n, dmin, dmax, total, squares), step)
        nonfinite = _nonfinite(x)
        self._writer.vector(self._tag(layer, role + "_moments"), stats.moments(n, nonfinite, dmin, dmax, total, squares), step)
        return nonfinite

    def _probe(self, step):
        """Runs the probe batch in training mode; puts back the moving statistics it updated."""
        saved = [(v, keras.ops.convert_to_numpy(v)) for l in self._layers for s, v in _state(l.layer) if s.startswith("running")]
        try:
            values = self._probe_model(self.probe, training=True)
        finally:
            for v, a in saved:
                v.assign(a)
        return [np.asarray(keras.ops.convert_to_numpy(t), dtype=np.float32) for t in values]

    def _record(self, step):
        activations = self._probe(step) if self._probe_model is not None else None
        for i, layer in enumerate(self._layers):
            if not layer.described:
                self._writer.scalar(self._tag(layer, "kind/" + layer.kind), layer.channels(), step)
                layer.described = True
            if activations is not None:
                x, y = activations[2 * i], activations[2 * i + 1]
                self._alarm(layer, "input", self._histogram(layer, "pre", x, step), step)
                self._alarm(layer, "output", self._histogram(layer, "post", y, step), step)
                axes = _axes(layer.layer, x.ndim)
                others = tuple(a for a in range(x.ndim) if a not in axes)
                x64 = x.astype(np.float64)
                self._writer.vector(self._tag(layer, "batch_mean"), x64.mean(axis=others).reshape(-1).tolist(), step)
                self._writer.vector(self._tag(layer, "batch_var"), x64.var(axis=others).reshape(-1).tolist(), step)
            for source, v in _state(layer.layer):
                a = np.asarray(keras.ops.convert_to_numpy(v), dtype=np.float64).reshape(-1)
                self._writer.vector(self._tag(layer, source), a.tolist(), step)
                self._alarm(layer, source, _nonfinite(a), step)
