"""Writes three small models that CNNSlicer must refuse with a clear message: a scripted
model whose forward takes two inputs, one with no forward at all (only an exported
method), and a zip laid out like TorchScript (data.pkl, constants.pkl, code/) whose
pickle is a number instead of a module, which only LibTorch itself refuses. The reader
tests check those messages.

  /usr/bin/python3 export_unrunnable_models.py OUT_FOLDER
"""
import os
import pickle
import sys
import zipfile

import torch
from torch import nn


class TwoInputs(nn.Module):
    """forward(x, y): CNNSlicer feeds one image batch, so it cannot run this."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)

    def forward(self, x, y):
        return self.conv(x) + self.conv(y)


class NoForward(nn.Module):
    """Only an exported method: TorchScript keeps no forward."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)

    @torch.jit.export
    def features(self, x):
        return self.conv(x)


if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    torch.jit.save(torch.jit.script(TwoInputs().eval()), os.path.join(out, "two_inputs_scripted.pt"))
    torch.jit.save(torch.jit.script(NoForward().eval()), os.path.join(out, "no_forward_scripted.pt"))
    with zipfile.ZipFile(os.path.join(out, "pickle_not_module.pt"), "w") as archive:
        archive.writestr("pickle_not_module/data.pkl", pickle.dumps(42, protocol=2))
        archive.writestr("pickle_not_module/constants.pkl", pickle.dumps((), protocol=2))
        archive.writestr("pickle_not_module/code/__torch__.py", "")
        archive.writestr("pickle_not_module/version", "3\n")
