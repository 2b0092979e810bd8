#!/usr/bin/python3
"""PyTorch peer for `segrt bench`: the same networks, timed the same way (median of repeats
after warm-up), on the same machine in the same run. Run with Debian's python3-torch:

    /usr/bin/python3 bench/torch_peer.py --model unet --size 128 --batch 16 --train --threads 2

Prints one JSON object per measurement. Networks mirror segrt's zoo definitions
(graph/models/): `unet` = the classic configurable U-Net (conv3+ReLU twice per level, max-pool,
convT 2x2 up, concat), `oru-net` = ORU-Net with residual=0 (sep3-BN-LeakyReLU-Dropout blocks).
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class EncoderDecoder(nn.Module):
    """The U shape both networks share: encoder levels with max-pool, up-sampling, concatenation
    with the skip, decoder levels, 1x1 head. Subclasses call build() with their level block."""

    def build(self, cin, cout, widths, block, up):
        self.enc = nn.ModuleList()
        c = cin
        for o in widths:
            self.enc.append(block(c, o))
            c = o
        self.up = nn.ModuleList()
        self.dec = nn.ModuleList()
        for o in reversed(widths[:-1]):
            self.up.append(up(c, o))
            self.dec.append(block(2 * o, o))
            c = o
        self.head = nn.Conv2d(c, cout, 1)

    def forward(self, x):
        skips = []
        for i, e in enumerate(self.enc):
            x = e(x)
            if i < len(self.enc) - 1:
                skips.append(x)
                x = F.max_pool2d(x, 2)
        for u, d in zip(self.up, self.dec):
            x = d(torch.cat([u(x), skips.pop()], 1))
        return self.head(x)


class UNet(EncoderDecoder):
    def __init__(self, cin=3, cout=1, base=32, depth=4, bn=False):
        super().__init__()
        w = [base * 2 ** i for i in range(depth + 1)]

        def block(i, o):
            layers = [nn.Conv2d(i, o, 3, padding=1)]
            if bn:
                layers.append(nn.BatchNorm2d(o))
            layers += [nn.ReLU(inplace=True), nn.Conv2d(o, o, 3, padding=1)]
            if bn:
                layers.append(nn.BatchNorm2d(o))
            layers.append(nn.ReLU(inplace=True))
            return nn.Sequential(*layers)

        self.build(cin, cout, w, block, lambda i, o: nn.ConvTranspose2d(i, o, 2, stride=2))


class Sep(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.dw = nn.Conv2d(i, i, 3, padding=1, groups=i, bias=False)
        self.pw = nn.Conv2d(i, o, 1)

    def forward(self, x):
        return self.pw(self.dw(x))


class ORUNet(EncoderDecoder):
    def __init__(self, cin=3, cout=2):
        super().__init__()

        def block(i, o):
            return nn.Sequential(Sep(i, o), nn.BatchNorm2d(o), nn.LeakyReLU(0.2), nn.Dropout(0.3),
                                 Sep(o, o), nn.BatchNorm2d(o), nn.LeakyReLU(0.2), nn.Dropout(0.3))

        w = [16, 32, 64, 128, 256]
        self.build(cin, cout, w, block,
                   lambda i, o: nn.ConvTranspose2d(i, o, 3, stride=2, padding=1, output_padding=1))



def make(name):
    if name == "unet":
        return UNet(3, 1, 32, 4)
    if name == "oru-net":
        return ORUNet(3, 2)
    raise SystemExit("unknown model " + name)


def median_ms(fn, warmup, repeat):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="unet")
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--train", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    net = make(a.model)
    params = sum(p.numel() for p in net.parameters() if p.requires_grad)
    x = torch.rand(a.batch, 3, a.size, a.size)
    out_ch = net.head.out_channels
    y = (torch.rand(a.batch, out_ch, a.size, a.size) > 0.5).float()
    if a.train:
        net.train()
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)

        def step():
            opt.zero_grad()
            loss = F.binary_cross_entropy_with_logits(net(x), y)
            loss.backward()
            opt.step()
        ms = median_ms(step, a.warmup, a.repeat)
    else:
        net.eval()

        def infer():
            with torch.no_grad():
                torch.sigmoid(net(x))
        ms = median_ms(infer, a.warmup, a.repeat)
    print(json.dumps({"peer": "pytorch " + torch.__version__, "model": a.model,
                      "params_trainable": params, "size": a.size, "batch": a.batch,
                      "train": a.train, "threads": a.threads, "median_ms": round(ms, 2),
                      "ms_per_image": round(ms / a.batch, 2)}))


if __name__ == "__main__":
    main()
