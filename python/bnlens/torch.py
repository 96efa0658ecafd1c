"""bnlens.torch.watch(model, log_dir, every=50): forward hooks on every normalization layer of a
PyTorch model, writing what BN Lens shows (tags in tags.py and python/README.md).

A step is one forward of `model` in train mode (eval-mode forwards are neither counted nor recorded).
Steps 0, every, 2·every, … are recorded in full: the input's and output's histograms and moments, the
input's per-channel mean and biased variance, running mean/variance after the update, γ and β, and how
many NaN/±Inf values each holds. Every other step costs one tiny reduction per layer over its running
statistics and affine parameters (one host sync per step): the step at which one of them first turns
non-finite is logged right away, and the next step is recorded in full. In train-mode BatchNorm a NaN or
Inf in the input reaches the running statistics in the same step, so that step is the input's too.
"""

import math
import warnings

import torch
from torch import nn

from . import stats, tags
from .writers import open_writer

def _norm_types():
    return (nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm)


def _rank():
    d = torch.distributed
    return d.get_rank() if d.is_available() and d.is_initialized() else 0


def _channels(module):
    if isinstance(module, nn.LayerNorm):
        return int(math.prod(module.normalized_shape))
    if isinstance(module, nn.GroupNorm):
        return int(module.num_channels)
    return int(module.num_features)


def _per_channel(module, x):
    """The input's per-channel mean and biased variance: over every axis but the channel axis (1), or
    for LayerNorm per normalized element over the leading axes."""
    if isinstance(module, nn.LayerNorm):
        x = x.reshape(-1, _channels(module))
        dims = [0]
    elif x.dim() == 1:
        x = x.reshape(1, -1)
        dims = [0]
    else:
        dims = [0] + list(range(2, x.dim()))
    var, mean = torch.var_mean(x, dims, unbiased=False)
    return mean, var


def _sample(x):
    flat = x.reshape(-1)
    if flat.numel() > stats.SAMPLE:
        flat = flat[:: flat.numel() // stats.SAMPLE][:stats.SAMPLE]
    return flat.float()


def _edges(finite):
    if not finite.numel():
        return stats.fixed_edges(0.0, 0.0)
    s = finite.sort().values
    lo, hi = stats.quantile_positions(s.numel())
    return stats.fixed_edges(float(s[lo]), float(s[hi]))


def _nonfinite(t, summary=None):
    """NaN/±Inf values in t. `summary` (a reduction of t, e.g. its per-channel means) is non-finite
    whenever t holds one, so a finite summary saves the full count."""
    if not t.is_floating_point():
        return 0
    if bool(torch.isfinite(t.sum() if summary is None else summary).all()):
        return 0
    return int((~torch.isfinite(t)).sum())


class _Layer:
    def __init__(self, name, module):
        self.name = name
        self.module = module
        self.kind = type(module).__name__
        self.channels = _channels(module)
        self.edges = {}
        self.bad = set()
        self.described = False

    def state(self):
        m = self.module
        out = []
        for key, attr in (("running_mean", "running_mean"), ("running_var", "running_var"), ("gamma", "weight"), ("beta", "bias")):
            t = getattr(m, attr, None)
            if isinstance(t, torch.Tensor):
                out.append((key, t.detach()))
        return out


class Watcher:
    """What watch() returns: close() removes the hooks and closes the event file."""

    def __init__(self, model, log_dir, every, rank, writer):
        if every < 1:
            raise ValueError("every must be at least 1, not %r" % (every,))
        self.every = int(every)
        self.rank = _rank() if rank is None else int(rank)
        self.step = 0
        self._writer = open_writer(log_dir, ".rank%d" % self.rank, writer)
        self.writer_kind = self._writer.name
        root = model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model
        self._layers = [_Layer(name, m) for name, m in root.named_modules() if isinstance(m, _norm_types())]
        self._handles = [model.register_forward_pre_hook(lambda m, i: self._begin(m, i)), model.register_forward_hook(lambda m, i, o: self._end(m, i, o))]
        for layer in self._layers:
            self._handles.append(layer.module.register_forward_hook(self._hook(layer)))
        self._current = None
        self._recording = False
        self._force = False
        self._cheap = []

    @property
    def layers(self):
        return [(l.name, l.kind, l.channels) for l in self._layers]

    def _tag(self, layer, quantity):
        return tags.tag(self.rank, layer.name, quantity)

    def _begin(self, module, inputs):
        if not module.training:
            self._current = None
            return
        self._current = self.step
        self._recording = self.step % self.every == 0 or self._force
        self._force = False
        self._cheap = []

    def _end(self, module, inputs, output):
        if self._current is None:
            return
        step = self._current
        self._current = None
        self.step += 1
        if self._recording:
            self._writer.flush()
        elif self._cheap and not bool(torch.isfinite(torch.stack(self._cheap).sum())):
            self._late_alarms(step)
        self._cheap = []

    def _hook(self, layer):
        def hook(module, inputs, output):
            if self._current is None:
                return
            with torch.no_grad():
                if self._recording:
                    self._record(layer, inputs[0].detach(), output.detach(), self._current)
                else:
                    self._check(layer)
        return hook

    def _check(self, layer):
        for _, t in layer.state():
            self._cheap.append(t.float().sum())

    def _alarm(self, layer, source, count, step):
        self._writer.scalar(self._tag(layer, "nonfinite/" + source), count, step)
        if count and source not in layer.bad:
            warnings.warn("bnlens: %s (%s) %s holds %d NaN/Inf value(s) at step %d" % (layer.name, layer.kind, source, count, step), RuntimeWarning, stacklevel=2)
        (layer.bad.add if count else layer.bad.discard)(source)

    def _late_alarms(self, step):
        """A cheap check saw a NaN/Inf at an unrecorded step: which layer's state, logged at this step."""
        for layer in self._layers:
            for source, t in layer.state():
                count = _nonfinite(t)
                if count and source not in layer.bad:
                    self._alarm(layer, source, count, step)
        self._writer.flush()
        self._force = True

    def _histogram(self, layer, role, x, step, summary=None):
        sample = _sample(x)
        finite = sample[torch.isfinite(sample)]
        if role not in layer.edges:
            layer.edges[role] = _edges(finite)
        edges = layer.edges[role]
        lo, hi = edges[0], edges[-1]
        counts = torch.histc(finite, bins=stats.BINS, min=lo, max=hi).tolist()
        under = int((finite < lo).sum())
        over = int((finite > hi).sum())
        n = finite.numel()
        dmin = float(finite.min()) if n else lo
        dmax = float(finite.max()) if n else hi
        total = float(finite.double().sum()) if n else 0.0
        squares = float((finite.double() ** 2).sum()) if n else 0.0
        self._writer.histogram(self._tag(layer, role), edges, counts, under, over, (n, dmin, dmax, total, squares), step)
        nonfinite = _nonfinite(x, summary)
        self._writer.vector(self._tag(layer, role + "_moments"), stats.moments(n, nonfinite, dmin, dmax, total, squares), step)
        return nonfinite

    def _record(self, layer, x, y, step):
        if not layer.described:
            self._writer.scalar(self._tag(layer, "kind/" + layer.kind), layer.channels, step)
            layer.described = True
        x = x.float()
        mean, var = _per_channel(layer.module, x)
        self._alarm(layer, "input", self._histogram(layer, "pre", x, step, mean), step)
        self._alarm(layer, "output", self._histogram(layer, "post", y.float(), step), step)
        self._writer.vector(self._tag(layer, "batch_mean"), mean.tolist(), step)
        self._writer.vector(self._tag(layer, "batch_var"), var.tolist(), step)
        for source, t in layer.state():
            self._writer.vector(self._tag(layer, source), t.float().reshape(-1).tolist(), step)
            self._alarm(layer, source, _nonfinite(t), step)

    def close(self):
        for h in self._handles:
            h.remove()
        self._handles = []
        self._writer.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def watch(model, log_dir, every=50, rank=None, writer="torch"):
    """Hooks every BatchNorm*/SyncBatchNorm/InstanceNorm*/LayerNorm/GroupNorm module of `model` (a plain
    module or a DistributedDataParallel wrapper) and logs them to TensorBoard event files in `log_dir`
    every `every` train-mode forward passes. Under torch.distributed each rank writes its own tags
    (bnlens/rank<R>/…) into its own file; call watch() after init_process_group. `writer`: "torch" uses
    torch.utils.tensorboard when the tensorboard package is installed, "builtin" never does."""
    return Watcher(model, log_dir, every, rank, writer)
