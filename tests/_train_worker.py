"""A tiny CPU training run for tests/test_learner.py, launched as a subprocess (plain, killed, resumed, or under torchrun).

usage: python tests/_train_worker.py OUT_DIR [--resume] [--hang-at STEP] [--ddp]
--hang-at: after STEP, write OUT_DIR/reached and sleep, so that the test can SIGKILL the process mid-training.
--ddp: under torchrun; every rank writes its final weights to OUT_DIR/rank<r>.safetensors.
"""
import argparse
import os
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset

from deblur_nb.learner import Callback, Learner, Phase, save_safetensors


class Pairs(Dataset):
    "Random sharp 16x16 images, box-blurred inputs, random masks; random horizontal flips from torch's global RNG."
    def __init__(self, n=12, size=16, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.gt = torch.rand(n, 3, size, size, generator=g)
        self.lq = F.avg_pool2d(self.gt, 3, 1, 1, count_include_pad=False)
        self.mask = (torch.rand(n, 1, size, size, generator=g) > 0.5).float()
    def __len__(self): return len(self.gt)
    def __getitem__(self, i):
        lq, gt, m = self.lq[i], self.gt[i], self.mask[i]
        if torch.rand(()) < 0.5: lq, gt, m = lq.flip(-1), gt.flip(-1), m.flip(-1)
        return {"lq": lq, "gt": gt, "mask": m, "key": f"toy/{i:03d}"}


class Toy(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 3, 3, padding=1))
        self.attention = nn.Conv2d(3, 1, 1)
    def forward(self, x):
        a = torch.sigmoid(self.attention(x))
        return {"out": x + F.dropout(self.backbone(x), 0.1, self.training) * a, "attention": a}


def loss_fn(out, batch):
    return {"pixel": F.mse_loss(out["out"], batch["gt"]), "attention": F.mse_loss(out["attention"], batch["mask"])}


class Hang(Callback):
    def __init__(self, step, marker): self.step, self.marker = step, marker
    def on_step_end(self, learner, logs):
        if learner.step == self.step:
            self.marker.write_text(str(learner.step))
            time.sleep(120)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--hang-at", type=int)
    ap.add_argument("--ddp", action="store_true")
    ap.add_argument("--memory-format", default="auto")
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(1234 if a.resume else 0)  # a resumed run must not depend on the fresh model's init
    phases = [Phase("attention", 6, 1e-2, trainable="attention", loss_weights={"pixel": 0}),
              Phase("all", 24, 1e-2, schedule="step", schedule_kwargs=dict(step_size=8, gamma=0.5))]
    L = Learner(Toy(), DataLoader(Pairs(), batch_size=4, shuffle=True), loss_fn=loss_fn,
                loss_weights={"pixel": 1.0, "attention": 0.1}, phases=phases, out_dir=a.out_dir, device="cpu",
                val_dl=DataLoader(Pairs(n=4, seed=1), batch_size=2), val_every=7, ckpt_every=5, grad_clip=1.0,
                ema_decay=0.9, optimizer="adamw", opt_kwargs=dict(weight_decay=1e-4), progress=a.ddp, seed=7,
                callbacks=[Hang(a.hang_at, a.out_dir / "reached")] if a.hang_at else [], memory_format=a.memory_format)
    if a.ddp and int(os.environ.get("RANK", "0")) == 0:
        a.out_dir.mkdir(parents=True, exist_ok=True)
        save_safetensors(L.model, a.out_dir / "init.safetensors")
    L.fit(resume=a.resume)
    if a.ddp: save_safetensors(L.model, a.out_dir / f"rank{os.environ['RANK']}.safetensors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
