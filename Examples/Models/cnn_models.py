"""The CNN architectures that CNNSlicer's tests, examples and benchmarks use.

Plain ``torch.nn`` so that every model can be both scripted and traced, and
so that the eager model (with forward hooks) and its TorchScript export have
identical weights: :func:`build` constructs a model deterministically from a
seed, and every script in this folder goes through it.

The models are deliberately small but cover the structures the activation
reader must handle: nested ``nn.Sequential`` containers, custom ``forward``
methods with functional ops (``torch.flatten``, ``F.relu``), BatchNorm in
eval mode, in-place ops (``nn.ReLU(inplace=True)``, residual ``+=``),
residual branches with a downsampling shortcut, and one module that is
called twice in a forward pass.
"""

import contextlib

import torch
import torch.nn.functional as F
from torch import nn

MNIST_CLASSES = [str(digit) for digit in range(10)]
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck"]

# Input shape and normalization of each dataset; these travel with an
# exported model in its ``cnnslicer.json`` extra file.
DATASETS = {
    "mnist": {
        "input_shape": [1, 28, 28],
        "mean": [0.1307],
        "std": [0.3081],
        "class_names": MNIST_CLASSES,
    },
    "cifar10": {
        "input_shape": [3, 32, 32],
        "mean": [0.4914, 0.4822, 0.4465],
        "std": [0.2470, 0.2435, 0.2616],
        "class_names": CIFAR10_CLASSES,
    },
}


@contextlib.contextmanager
def _seeded(seed):
    """Run the body with torch's CPU generator seeded, then restore it.

    Forking keeps model construction deterministic without changing the
    random state of whoever builds the model.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def _randomize_batchnorm(model):
    """Give every BatchNorm layer non-trivial affine parameters and statistics.

    Freshly constructed BatchNorm layers have mean 0, variance 1, weight 1 and
    bias 0, which makes them (almost) the identity in eval mode; a capture
    that skipped them, or ran them in training mode, would then go unnoticed.
    """
    for module in model.modules():
        if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
            with torch.no_grad():
                module.weight.uniform_(0.5, 1.5)
                module.bias.normal_(0.0, 0.1)
                module.running_mean.normal_(0.0, 0.1)
                module.running_var.uniform_(0.5, 1.5)


class LeNet5(nn.Module):
    """LeNet-5 for 1x28x28 inputs (MNIST), with ReLU and max pooling.

    features: conv 6@5x5 (padding 2) -> ReLU -> max pool 2 -> conv 16@5x5 ->
    ReLU -> max pool 2; classifier: fc 120 -> ReLU -> fc 84 -> ReLU -> fc 10.
    The flatten between them is a functional op in ``forward``, so it is not
    a module.
    """

    def __init__(self, num_classes=10, seed=0):
        super().__init__()
        with _seeded(seed):
            self.features = nn.Sequential(
                nn.Conv2d(1, 6, kernel_size=5, padding=2),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Conv2d(6, 16, kernel_size=5),
                nn.ReLU(),
                nn.MaxPool2d(2),
            )
            self.classifier = nn.Sequential(
                nn.Linear(16 * 5 * 5, 120),
                nn.ReLU(),
                nn.Linear(120, 84),
                nn.ReLU(),
                nn.Linear(84, num_classes),
            )

    def forward(self, x):
        x = self.features(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


class LeNet5BN(nn.Module):
    """LeNet-5 with batch normalization after every conv and hidden fc layer.

    Same layout as :class:`LeNet5`, with BatchNorm2d after each convolution
    and BatchNorm1d after the two hidden fully connected layers. The
    BatchNorm statistics are randomized (deterministically) so that eval-mode
    normalization visibly changes the activations.
    """

    def __init__(self, num_classes=10, seed=0):
        super().__init__()
        with _seeded(seed):
            self.features = nn.Sequential(
                nn.Conv2d(1, 6, kernel_size=5, padding=2),
                nn.BatchNorm2d(6),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Conv2d(6, 16, kernel_size=5),
                nn.BatchNorm2d(16),
                nn.ReLU(),
                nn.MaxPool2d(2),
            )
            self.classifier = nn.Sequential(
                nn.Linear(16 * 5 * 5, 120),
                nn.BatchNorm1d(120),
                nn.ReLU(),
                nn.Linear(120, 84),
                nn.BatchNorm1d(84),
                nn.ReLU(),
                nn.Linear(84, num_classes),
            )
            _randomize_batchnorm(self)

    def forward(self, x):
        x = self.features(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


class SmallVGG(nn.Module):
    """A small VGG-style network for 3x32x32 inputs (CIFAR-10).

    features: conv-BN-ReLU blocks with channel plan 32-32-M-64-64-M-128-M
    (M = 2x2 max pooling), giving 128x4x4; classifier: dropout -> fc 128 ->
    ReLU -> dropout -> fc 10. All ReLUs are in place, so each one overwrites
    the output of the layer before it: a capture must copy those outputs
    before the ReLU runs.
    """

    CHANNEL_PLAN = (32, 32, "M", 64, 64, "M", 128, "M")

    def __init__(self, num_classes=10, seed=0):
        super().__init__()
        with _seeded(seed):
            layers = []
            in_channels = 3
            for entry in self.CHANNEL_PLAN:
                if entry == "M":
                    layers.append(nn.MaxPool2d(2))
                else:
                    layers += [
                        nn.Conv2d(in_channels, entry, kernel_size=3,
                                  padding=1, bias=False),
                        nn.BatchNorm2d(entry),
                        nn.ReLU(inplace=True),
                    ]
                    in_channels = entry
            self.features = nn.Sequential(*layers)
            self.classifier = nn.Sequential(
                nn.Dropout(0.5),
                nn.Linear(in_channels * 4 * 4, 128),
                nn.ReLU(inplace=True),
                nn.Dropout(0.5),
                nn.Linear(128, num_classes),
            )
            _randomize_batchnorm(self)

    def forward(self, x):
        x = self.features(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


class BasicBlock(nn.Module):
    """The two-convolution residual block of ResNet-18/34.

    conv3x3 -> BN -> relu -> conv3x3 -> BN, plus the shortcut, then relu.
    The ReLUs are functional (``F.relu``), so they are not modules; the
    residual add is in place (``+=``) and overwrites the second BatchNorm's
    output. When the block changes resolution or width, the shortcut is a
    1x1 convolution with BatchNorm (``downsample``), otherwise the identity.
    """

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3,
                               stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3,
                               padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        # None rather than nn.Identity: a traced Identity leaves no call in
        # the graph, and torchvision's ResNet uses the same convention.
        self.downsample = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, kernel_size=1,
                          stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )

    def forward(self, x):
        identity = x
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return F.relu(out)


class SmallResNet(nn.Module):
    """A small ResNet-style network for 3x32x32 inputs (CIFAR-10).

    stem: conv3x3 16 -> BN -> ReLU; stages of :class:`BasicBlock`: layer1
    (16 channels, 2 blocks), layer2 (32, stride 2, 1 block), layer3 (64,
    stride 2, 1 block); then a final BN -> ReLU (as in pre-activation and
    wide ResNets), global average pooling, flatten and fc 10.

    The stem and the final BN share one ``nn.ReLU`` module (``self.relu``),
    so one module runs twice per forward pass; a capture names the two calls
    ``relu`` and ``relu#1``.
    """

    def __init__(self, num_classes=10, blocks=(2, 1, 1), seed=0):
        super().__init__()
        with _seeded(seed):
            self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1,
                                   bias=False)
            self.bn1 = nn.BatchNorm2d(16)
            self.relu = nn.ReLU()
            self.layer1 = self._make_stage(16, 16, blocks[0], stride=1)
            self.layer2 = self._make_stage(16, 32, blocks[1], stride=2)
            self.layer3 = self._make_stage(32, 64, blocks[2], stride=2)
            self.bn_final = nn.BatchNorm2d(64)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(64, num_classes)
            _randomize_batchnorm(self)

    @staticmethod
    def _make_stage(in_channels, out_channels, num_blocks, stride):
        """Return ``num_blocks`` BasicBlocks; only the first one strides."""
        blocks = [BasicBlock(in_channels, out_channels, stride)]
        blocks += [BasicBlock(out_channels, out_channels)
                   for _ in range(num_blocks - 1)]
        return nn.Sequential(*blocks)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.relu(self.bn_final(x))
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.fc(x)


# Short name -> (class, dataset). The short names are used on the command
# lines and in exported file names.
MODELS = {
    "lenet5": (LeNet5, "mnist"),
    "lenet5bn": (LeNet5BN, "mnist"),
    "vgg": (SmallVGG, "cifar10"),
    "resnet": (SmallResNet, "cifar10"),
}


def build(name, seed=0):
    """Return the model ``name`` (a key of :data:`MODELS`) in eval mode.

    The same ``name`` and ``seed`` always give the same weights, which is what
    makes the eager reference activations comparable to an exported model.
    """
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; "
                         f"choose from {', '.join(MODELS)}")
    model_class, _ = MODELS[name]
    return model_class(seed=seed).eval()


def metadata(name):
    """Return the ``cnnslicer.json`` metadata of the model ``name``."""
    model_class, dataset = MODELS[name]
    info = DATASETS[dataset]
    return {
        "format_version": 1,
        "architecture": name,
        "dataset": dataset,
        "input_shape": list(info["input_shape"]),
        "mean": list(info["mean"]),
        "std": list(info["std"]),
        "class_names": list(info["class_names"]),
    }
