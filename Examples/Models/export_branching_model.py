"""Exports a small scripted model whose modules sit in both branches of an `if`, one
never taken: the capture must name both, deliver the taken one and skip the other.

  /usr/bin/python3 export_branching_model.py OUT.pt
"""
import sys

import torch
from torch import nn


class Branching(nn.Module):
    """conv, then ReLU (always taken) or Tanh (never taken)."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(1, 2, 3)
        self.taken = nn.ReLU()
        self.skipped = nn.Tanh()

    def forward(self, x):
        x = self.conv(x)
        # Always true, but TorchScript keeps both branches as a prim::If.
        if bool(x.abs().sum() >= 0):
            x = self.taken(x)
        else:
            x = self.skipped(x)
        return x


if __name__ == "__main__":
    torch.jit.save(torch.jit.script(Branching().eval()), sys.argv[1])
