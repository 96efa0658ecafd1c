"""What bnlens.torch.watch costs per training step of a CPU ResNet-18 (torchvision, random weights):

    PYTHONPATH=python python3 bench/python/watch_overhead.py [--batch 16] [--size 112] [--rounds 12]

Three copies of the same model train side by side, their steps interleaved so a busy machine slows
them alike: plain, watched with every=10**9 (every step but the first is an unrecorded one) and watched
with every=1 (every step recorded); the order turns each round. From the median step times, the overhead
at `every` = e is ((recorded − plain) + (e − 1)·(unrecorded − plain)) / (e · plain). It also prints the
time spent inside the watcher's own methods (recording, the per-step check), which a busy machine
disturbs less than step-time differences. Prints ratios, not a pass/fail.
"""

import argparse
import copy
import statistics
import tempfile
import time

import torch
import torch.nn.functional as F
import torchvision

import bnlens.torch


def timed(method, total, which):
    """A Watcher method that adds its wall time to total[which[id(watcher)]] (its hooks look the
    methods up at each call, so replacing them on the class after watch() times them)."""
    def wrapper(self, *args):
        t = time.perf_counter()
        try:
            return method(self, *args)
        finally:
            total[which[id(self)]] += time.perf_counter() - t
    return wrapper


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--size", type=int, default=112)
    p.add_argument("--rounds", type=int, default=12)
    a = p.parse_args()
    torch.manual_seed(0)
    # Three identical copies (denormal floats in one copy's weights would slow it alone).
    torch.set_flush_denormal(True)
    first = torchvision.models.resnet18(num_classes=10)
    models = [first] + [copy.deepcopy(first) for _ in range(2)]
    opts = [torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9) for m in models]
    with tempfile.TemporaryDirectory() as logs:
        watchers = [bnlens.torch.watch(models[1], logs + "/cheap", every=10 ** 9), bnlens.torch.watch(models[2], logs + "/full", every=1)]
        x = torch.randn(a.batch, 3, a.size, a.size)
        y = torch.randint(0, 10, (a.batch,))
        times = [[], [], []]
        inside = [0.0, 0.0]
        which = {id(w): k for k, w in enumerate(watchers)}
        for attr in ("_begin", "_end", "_check", "_record"):
            setattr(bnlens.torch.Watcher, attr, timed(getattr(bnlens.torch.Watcher, attr), inside, which))
        for r in range(a.rounds + 1):
            # The order turns every round, so no copy always runs right after another.
            for k in [(r + i) % 3 for i in range(3)]:
                m, opt = models[k], opts[k]
                t = time.perf_counter()
                loss = F.cross_entropy(m(x), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
                if r > 0:  # round 0 (step 0 of both watchers is a recorded one; warm-up) is left out
                    times[k].append(time.perf_counter() - t)
            if r == 0:
                inside[:] = [0.0, 0.0]
        for w in watchers:
            w.close()
    plain, cheap, full = (statistics.median(t) for t in times)
    steps = a.rounds
    print("ResNet-18, batch %d×3×%d×%d, %d threads, writer %s, %d rounds" % (a.batch, a.size, a.size, torch.get_num_threads(), watchers[0].writer_kind, a.rounds))
    print("median step: plain %.3f s · unrecorded step %.3f s (%+.2f%%) · recorded step %.3f s (%+.1f%%)" % (
        plain, cheap, 100 * (cheap / plain - 1), full, 100 * (full / plain - 1)))
    print("time inside the watcher's own code per step: unrecorded %.4f s (%.2f%% of a plain step) · recorded %.3f s (%.1f%%)" % (
        inside[0] / steps, 100 * inside[0] / steps / plain, inside[1] / steps, 100 * inside[1] / steps / plain))
    unrecorded, recorded = inside[0] / steps, inside[1] / steps
    for every in (1, 10, 50, 100):
        overhead = ((full - plain) + (every - 1) * (cheap - plain)) / (every * plain)
        own = (recorded + (every - 1) * unrecorded) / (every * plain)
        print("every=%-4d overhead %+.2f%% of a step from step times · %.2f%% from the watcher's own time" % (every, 100 * overhead, 100 * own))


if __name__ == "__main__":
    main()
