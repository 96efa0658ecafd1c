"""Trains a small CNN for a few steps with bnlens.torch.watch and dumps the model's own buffers, for
test/unit/python/watch.test.ts (run with PYTHONPATH=python):

    python3 test/python/train_watched.py single|ddp|amp OUT_DIR [STEPS EVERY]

OUT_DIR/logs gets the event files; OUT_DIR/buffers.rank<R>.json what each normalization layer held at
every step: running mean/variance before and after the forward, γ and β at the forward, momentum, and
the number of values per channel. Deterministic (seeded); CPU only.

ddp: two processes (torch.multiprocessing.spawn, gloo, MASTER_ADDR=127.0.0.1) wrapped in
DistributedDataParallel, with synchronized BatchNorm. PyTorch's own SyncBatchNorm cannot run on CPU
(1.13 and 2.x alike: its forward wants a GPU tensor, and DDP refuses a CPU module holding one: "SyncBatchNorm
layers only work with GPU modules"), so the layers are SyncBatchNormCPU below, a BatchNorm2d whose
forward does what SyncBatchNorm does: all-reduce per-channel sums, sums of squares and counts over gloo
(differentiably), normalize with the global mean and biased variance, and update the running variance
with the unbiased one over the global count.

amp: step 3 gets an input that overflowed float16 (±Inf, as an activation beyond 65504 does under
autocast); the loss is non-finite, so, as GradScaler does, the optimizer step is skipped; the running
statistics of the BatchNorm layers have turned NaN all the same (pytorch#88474).
"""

import json
import math
import os
import socket
import sys

import torch
import torch.distributed as dist
import torch.distributed.nn.functional as dist_fn
import torch.nn.functional as F
from torch import nn

import bnlens.torch

STEPS = 6
EVERY = 2
BATCH = 8


class SyncBatchNormCPU(nn.BatchNorm2d):
    def forward(self, x):
        if not self.training:
            return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, False, 0.0, self.eps)
        dims = [0] + list(range(2, x.dim()))
        local = torch.cat([x.sum(dims), (x * x).sum(dims), torch.tensor([x.numel() / x.shape[1]], dtype=x.dtype)])
        total = dist_fn.all_reduce(local)
        c = x.shape[1]
        n = total[2 * c]
        mean = total[:c] / n
        var = total[c:2 * c] / n - mean * mean
        shape = [1, c] + [1] * (x.dim() - 2)
        y = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + self.eps) * self.weight.reshape(shape) + self.bias.reshape(shape)
        with torch.no_grad():
            m = self.momentum
            self.running_mean.mul_(1 - m).add_(m * mean.detach())
            self.running_var.mul_(1 - m).add_(m * var.detach() * n / (n - 1))
            self.num_batches_tracked.add_(1)
        return y


def make_model(sync):
    torch.manual_seed(0)
    bn = SyncBatchNormCPU if sync else nn.BatchNorm2d
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), bn(8), nn.ReLU(),
        nn.Conv2d(8, 12, 3, padding=1, stride=2), bn(12), nn.ReLU(),
        nn.Conv2d(12, 12, 3, padding=1), nn.GroupNorm(3, 12), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(12, 16), nn.LayerNorm(16), nn.Linear(16, 4))


def norm_layers(model):
    return [(name, m) for name, m in model.named_modules() if isinstance(m, (nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm))]


def values(t):
    """Floats, with NaN and ±Inf as the strings "nan", "inf", "-inf" (JSON has no such numbers)."""
    if not isinstance(t, torch.Tensor):
        return None
    return [v if math.isfinite(v) else repr(v) for v in (float(x) for x in t.detach().reshape(-1).tolist())]


def train(rank, world, mode, out, steps=STEPS, every=EVERY):
    if world > 1:
        os.environ["MASTER_ADDR"] = "127.0.0.1"
        dist.init_process_group("gloo", rank=rank, world_size=world)
    torch.set_num_threads(1)
    model = make_model(sync=world > 1)
    layers = norm_layers(model)
    net = nn.parallel.DistributedDataParallel(model) if world > 1 else model
    watcher = bnlens.torch.watch(net, os.path.join(out, "logs"), every=every, writer="builtin")
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    data = torch.Generator().manual_seed(100 + rank)
    dump = {"rank": rank, "world": world, "every": every, "writer": watcher.writer_kind, "layers": {}}
    seen = {}

    def before(module, inputs):
        seen[module] = {"running_mean_before": values(getattr(module, "running_mean", None)), "running_var_before": values(getattr(module, "running_var", None))}

    def after(module, inputs, output):
        x = inputs[0]
        seen[module].update({
            "running_mean": values(getattr(module, "running_mean", None)), "running_var": values(getattr(module, "running_var", None)),
            "gamma": values(module.weight), "beta": values(module.bias), "momentum": getattr(module, "momentum", None),
            "per_channel_count": x.numel() // (x.shape[-1] if isinstance(module, nn.LayerNorm) else x.shape[1]),
        })

    hooks = [h for _, m in layers for h in (m.register_forward_pre_hook(before), m.register_forward_hook(after))]
    for step in range(steps):
        x = torch.randn(BATCH, 3, 12, 12, generator=data) * (1 + rank) + rank
        if mode == "amp" and step == 3:
            x[0, 0, 4, 4] = float(torch.tensor(1e6).half())  # 1e6 overflows float16: inf
        y = torch.randint(0, 4, (BATCH,), generator=data)
        seen.clear()
        loss = F.cross_entropy(net(x), y)
        for name, m in layers:
            dump["layers"].setdefault(name, {"kind": type(m).__name__, "steps": {}})["steps"][str(step)] = seen[m]
        opt.zero_grad()
        loss.backward()
        if torch.isfinite(loss):
            opt.step()
    for h in hooks:
        h.remove()
    # An eval-mode forward is neither counted nor recorded.
    net.eval()
    with torch.no_grad():
        net(torch.randn(2, 3, 12, 12))
    dump["watcherSteps"] = watcher.step
    watcher.close()
    with open(os.path.join(out, "buffers.rank%d.json" % rank), "w") as f:
        json.dump(dump, f)
    if world > 1:
        dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    mode, out = sys.argv[1], sys.argv[2]
    steps, every = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) > 4 else (STEPS, EVERY)
    os.makedirs(out, exist_ok=True)
    if mode == "ddp":
        os.environ["MASTER_PORT"] = str(free_port())
        torch.multiprocessing.spawn(train, args=(2, mode, out, steps, every), nprocs=2, join=True)
    else:
        train(0, 1, mode, out, steps, every)


if __name__ == "__main__":
    main()
