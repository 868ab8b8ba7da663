#!/usr/bin/python3
"""An independent PyTorch implementation of bitswitch's `fmnist-cnn` recipe, for side-by-side runs.

It is written the way a PyTorch user would write it (nn.Conv2d/BatchNorm2d, fake quantisation as
tensor ops with straight-through estimators, one torch.optim.Adam), not as a port of the Java code,
and follows docs/design/method.md:
  - Double Rounding weights (one per-channel scale s_c stored at h = 8 bits, q_b = rhu(q_h / 2^Δ)),
    unsigned activation quantizers with one scale per layer per bit-width, LSQ gradient scales;
  - scales learned in log space (u = log s), ALRS rates λ_b = η_b·λ·max(0, 1 − ḡ_b);
  - switchable BatchNorm after the quantized convolutions, first and last layer in FP32;
  - the `sequential` joint step: for b = 8, 6, 4, 2 one forward/backward at the current parameters,
    then one Adam update of what b uses (PyTorch's Adam skips parameters without a gradient, so
    BatchNorm set b and a_{l,b} keep their own step counts);
  - Adam β = (0.9, 0.999), ε = 1e-8, L2 weight decay on conv/dense weights only, cosine schedule
    without warm-up; PyTorch's default initialisation (uniform ±1/√fan_in).
It reads the Fashion-MNIST IDX files (Debian's dataset-fashion-mnist) and downloads nothing.

  joint_qat.py speed [--threads N] [--batch 128] [--steps 20] [--warmup 5] [--repeats 3]
                     [--eval-images 10000] [--eval-batch 500]
      FP32 forward+backward (img/s) and the joint step (image-passes/s) on one fixed batch, and
      inference (eval mode, no gradients) over the first --eval-images test images at every bit-width
      (img/s per bit-width); one JSON line with the medians of --repeats timed runs.
  joint_qat.py train [--fp32-epochs 2] [--epochs 1] [--seed 42] [--max-train N] [--log-every 50]
      the whole recipe: FP32 pretraining, then joint QAT; one JSON line with the test accuracies.
"""
import argparse
import gzip
import json
import math
import os
import statistics
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist"
H = 8  # the stored precision


def read_idx(path):
    with gzip.open(path, "rb") as f:
        magic, = struct.unpack(">I", f.read(4))
        dims = struct.unpack(">" + "I" * (magic & 0xFF), f.read(4 * (magic & 0xFF)))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims)


def load(split, data_dir):
    prefix = "train" if split == "train" else "t10k"
    x = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz")).astype(np.float32) / 255.0
    y = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz")).astype(np.int64)
    return torch.from_numpy(x).unsqueeze(1), torch.from_numpy(y)


def rhu(x):
    """Round half up, as bitswitch rounds (torch.round rounds half to even)."""
    return torch.floor(x + 0.5)


def grad_scale(x, g):
    """x in the forward pass, its gradient multiplied by g in the backward pass (LSQ)."""
    return (x - x * g).detach() + x * g


def round_ste(x):
    return (rhu(x) - x).detach() + x


def double_rounding(w, log_s, b):
    """ŵ_b of per-channel weights w [out, ...] with scales exp(log_s) [out]; STE with LSQ's scale gradient."""
    k = w[0].numel()
    s = grad_scale(torch.exp(log_s), 1.0 / math.sqrt(k * (2 ** (b - 1) - 1))).view(-1, *([1] * (w.dim() - 1)))
    step = float(2 ** (H - b))
    qh = torch.clamp(round_ste(w / s), -2 ** (H - 1), 2 ** (H - 1) - 1)
    qb = torch.clamp(round_ste(qh / step), -2 ** (b - 1), 2 ** (b - 1) - 1)
    return qb * step * s


def act_quant(x, log_a, b):
    """Unsigned activation quantizer x̂ = clamp(rhu(x/a), 0, 2^b − 1)·a; STE, LSQ's scale gradient."""
    levels = 2 ** b - 1
    a = grad_scale(torch.exp(log_a), 1.0 / math.sqrt(x[0].numel() * levels))
    return torch.clamp(round_ste(x / a), 0, levels) * a


class QuantConv(nn.Conv2d):
    def __init__(self, cin, cout, bits):
        super().__init__(cin, cout, 3, padding=1, bias=False)
        self.log_s = nn.Parameter(torch.zeros(cout))
        self.log_a = nn.ParameterDict({str(b): nn.Parameter(torch.zeros(())) for b in bits})

    def forward(self, x, b):
        if b == 32:
            return super().forward(x)
        return F.conv2d(act_quant(x, self.log_a[str(b)], b), double_rounding(self.weight, self.log_s, b),
                        None, 1, 1)


class QuantLinear(nn.Linear):
    def __init__(self, cin, cout, bits):
        super().__init__(cin, cout)
        self.log_s = nn.Parameter(torch.zeros(cout))
        self.log_a = nn.ParameterDict({str(b): nn.Parameter(torch.zeros(())) for b in bits})

    def forward(self, x, b):
        if b == 32:
            return super().forward(x)
        return F.linear(act_quant(x, self.log_a[str(b)], b), double_rounding(self.weight, self.log_s, b), self.bias)


class SwitchableBN(nn.Module):
    def __init__(self, c, bits):
        super().__init__()
        self.bn = nn.ModuleDict({str(b): nn.BatchNorm2d(c, momentum=0.1) for b in [32] + list(bits)})

    def forward(self, x, b):
        return self.bn[str(b)](x)


class FmnistCnn(nn.Module):
    """conv3×3(1→16) BN ReLU, conv(16→32) BN ReLU, pool, conv(32→64) BN ReLU, conv(64→64) BN ReLU, pool,
    dense(3136→128) ReLU, dense(128→10); the first and last layers in FP32."""

    def __init__(self, bits):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16, momentum=0.1)
        self.convs = nn.ModuleList([QuantConv(16, 32, bits), QuantConv(32, 64, bits), QuantConv(64, 64, bits)])
        self.bns = nn.ModuleList([SwitchableBN(c, bits) for c in (32, 64, 64)])
        self.fc1 = QuantLinear(64 * 7 * 7, 128, bits)
        self.out = nn.Linear(128, 10)

    def quantized(self):
        return [*self.convs, self.fc1]

    def forward(self, x, b):
        x = F.relu(self.bn1(self.conv1(x)))
        for i, (conv, bn) in enumerate(zip(self.convs, self.bns)):
            x = F.relu(bn(conv(x, b), b))
            if i != 1:  # pools after the 2nd and 4th convolutions
                x = F.max_pool2d(x, 2)
        return self.out(F.relu(self.fc1(torch.flatten(x, 1), b)))

    @torch.no_grad()
    def init_scales(self, x, bits):
        """Weight scales max|w_c|/(2^(h−1)−1); activation scales by LSQ's rule on one batch."""
        for layer in self.quantized():
            w = layer.weight.flatten(1)
            layer.log_s.copy_(torch.log(torch.clamp(w.abs().max(1).values / (2 ** (H - 1) - 1), min=1e-8)))
        inputs = []
        hooks = [layer.register_forward_pre_hook(lambda m, a: inputs.append(a[0])) for layer in self.quantized()]
        self.eval()
        self(x, 32)
        self.train()
        for hook in hooks:
            hook.remove()
        for layer, xi in zip(self.quantized(), inputs):
            for b in layer.log_a:
                a = 2 * xi.abs().mean() / math.sqrt(2 ** int(b) - 1)
                layer.log_a[b].copy_(torch.log(torch.clamp(a, min=1e-8)))


def eta(b):
    d = H - b
    return 10 ** (-d / 2) if d % 2 == 0 else 5 * 10 ** (-(d + 1) / 2)


def optimizer(model, lr, wd):
    decay, scales, other = [], [], []
    for name, p in model.named_parameters():
        if "log_s" in name or "log_a" in name:
            scales.append(p)
        elif name.endswith("weight") and p.dim() > 1:
            decay.append(p)
        else:
            other.append(p)
    return torch.optim.Adam([{"params": decay, "weight_decay": wd}, {"params": other},
                             {"params": scales, "scale": True}], lr=lr, betas=(0.9, 0.999), eps=1e-8)


def joint_step(model, opt, x, y, bits, lr, alrs):
    """One `sequential` step; returns the loss per precision."""
    losses = []
    for b in bits:
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x, b), y)
        loss.backward()
        if b == 32:
            scale_lr = lr
        elif alrs:
            # ∂L/∂s = (∂L/∂log s)/s; per layer the largest clipped scale gradient, weights' and activation's.
            gbar = statistics.fmean(min(1.0, max((layer.log_s.grad / torch.exp(layer.log_s)).abs().max().item(),
                                                 abs((layer.log_a[str(b)].grad / torch.exp(layer.log_a[str(b)])).item())))
                                    for layer in model.quantized())
            scale_lr = eta(b) * lr * max(0.0, 1 - gbar)
        else:
            scale_lr = lr
        for group in opt.param_groups:
            group["lr"] = scale_lr if group.get("scale") else lr
        opt.step()
        losses.append(loss.item())
    return losses


def cosine(lr, t, total):
    return lr * (1 + math.cos(math.pi * t / total)) / 2


def train_stage(model, x, y, bits, epochs, batch, lr, wd, alrs, seed, log, log_every=50):
    opt = optimizer(model, lr, wd)
    steps_per_epoch = len(x) // batch
    total = epochs * steps_per_epoch
    gen = torch.Generator().manual_seed(seed)
    model.train()
    t = 0
    for epoch in range(epochs):
        order = torch.randperm(len(x), generator=gen)
        for i in range(steps_per_epoch):
            idx = order[i * batch:(i + 1) * batch]
            losses = joint_step(model, opt, x[idx], y[idx], bits, cosine(lr, t, total), alrs)
            t += 1
            if t % log_every == 0 or t == 1:
                log(f"step {t}/{total} " + " ".join(f"w{b}={l:.4f}" for b, l in zip(bits, losses)))


@torch.no_grad()
def accuracy(model, x, y, b):
    model.eval()
    correct = sum((model(x[i:i + 1000], b).argmax(1) == y[i:i + 1000]).sum().item() for i in range(0, len(x), 1000))
    model.train()
    return correct / len(x)


def cmd_train(args):
    torch.manual_seed(args.seed)
    x, y = load("train", args.data)
    xt, yt = load("test", args.data)
    if args.max_train:
        x, y = x[:args.max_train], y[:args.max_train]
    mean, std = x.mean(), x.std()
    x, xt = (x - mean) / std, (xt - mean) / std
    bits = [int(b) for b in args.bits.split(",")]
    model = FmnistCnn(bits)
    log = lambda m: print(m, file=sys.stderr, flush=True)
    start = time.time()
    train_stage(model, x, y, [32], args.fp32_epochs, args.batch, args.lr, args.wd, False, args.seed, log)
    result = {"fp32": accuracy(model, xt, yt, 32)}
    for b in bits:  # each precision's BatchNorm set starts from the FP32 model's
        for bn in model.bns:
            bn.bn[str(b)].load_state_dict(bn.bn["32"].state_dict())
    model.init_scales(x[:args.batch], bits)
    train_stage(model, x, y, bits, args.epochs, args.batch, args.lr, args.wd, not args.no_alrs, args.seed + 1, log,
                args.log_every)
    result.update({f"w{b}": accuracy(model, xt, yt, b) for b in bits})
    result["seconds"] = round(time.time() - start, 1)
    print(json.dumps(result))


def timed(fn, steps, warmup):
    for _ in range(warmup):
        fn()
    t0 = time.perf_counter()
    for _ in range(steps):
        fn()
    return time.perf_counter() - t0


def cmd_speed(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    x, y = load("train", args.data)
    x, y = (x[:args.batch] - 0.2860) / 0.3530, y[:args.batch]
    bits = [int(b) for b in args.bits.split(",")]
    xt = (load("test", args.data)[0][:args.eval_images] - 0.2860) / 0.3530
    fp32, joint, evals = [], [], []
    for _ in range(args.repeats):
        plain = FmnistCnn(bits)
        opt = torch.optim.Adam(plain.parameters(), lr=1e-3)

        def fp32_step():
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(plain(x, 32), y).backward()

        fp32.append(args.steps * args.batch / timed(fp32_step, args.steps, args.warmup))
        model = FmnistCnn(bits)
        model.init_scales(x, bits)
        jopt = optimizer(model, 1e-3, 5e-5)
        seconds = timed(lambda: joint_step(model, jopt, x, y, bits, 1e-3, True), args.steps, args.warmup)
        joint.append(args.steps * args.batch * len(bits) / seconds)
        model.eval()
        with torch.no_grad():
            for b in bits:  # warm-up: one batch per bit-width
                model(xt[:args.eval_batch], b)
            t0 = time.perf_counter()
            for b in bits:
                for i in range(0, len(xt), args.eval_batch):
                    model(xt[i:i + args.eval_batch], b).argmax(1)
            evals.append(len(xt) * len(bits) / (time.perf_counter() - t0))
    print(json.dumps({"torch": torch.__version__, "threads": args.threads, "batch": args.batch,
                      "fp32_images_per_second": statistics.median(fp32),
                      "joint_image_passes_per_second": statistics.median(joint),
                      "eval_images_per_second": statistics.median(evals),
                      "fp32_runs": fp32, "joint_runs": joint, "eval_runs": evals}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", choices=["speed", "train"])
    p.add_argument("--data", default=DATA)
    p.add_argument("--bits", default="8,6,4,2")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--eval-images", type=int, default=10000)
    p.add_argument("--eval-batch", type=int, default=500)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--fp32-epochs", type=int, default=2)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--wd", type=float, default=5e-5)
    p.add_argument("--no-alrs", action="store_true")
    p.add_argument("--max-train", type=int, default=0)
    p.add_argument("--log-every", type=int, default=50, help="log the joint stage's losses every N steps")
    args = p.parse_args()
    if args.command == "train":
        torch.set_num_threads(args.threads)
        cmd_train(args)
    else:
        cmd_speed(args)


if __name__ == "__main__":
    main()
