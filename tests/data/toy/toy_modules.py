"""A toy model and dataset for Runner-level tests (imported by configs)."""
import torch
from mmengine.dataset import BaseDataset
from mmengine.model import BaseModel

from stark_plugin.registry import DATASETS, MODELS


@MODELS.register_module()
class ToyRegressor(BaseModel):
    """y = w x + b fitted with an L2 loss."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor', **kwargs):
        inputs = torch.stack(inputs) if isinstance(inputs, list) else inputs
        pred = self.linear(inputs)
        if mode == 'loss':
            target = torch.stack(data_samples) \
                if isinstance(data_samples, list) else data_samples
            return dict(loss=((pred - target)**2).mean())
        return pred


@DATASETS.register_module()
class ToyDataset(BaseDataset):
    """64 points of a fixed line."""

    def load_data_list(self):
        gen = torch.Generator().manual_seed(0)
        xs = torch.rand(64, 2, generator=gen)
        ys = xs @ torch.tensor([[2.0], [-1.0]]) + 0.5
        return [dict(inputs=x, data_samples=y) for x, y in zip(xs, ys)]
