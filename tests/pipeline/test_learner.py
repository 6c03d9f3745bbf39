"""pipeline.learner: the batched gradient clipping gives RLlib's results exactly."""

from __future__ import annotations

import pytest
import torch
from ray.rllib.utils.torch_utils import clip_gradients

from pipeline.learner import clip_by_global_norm


def _grads(scale: float, seed: int = 0) -> dict[int, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    shapes = [(64, 15), (64,), (64, 64), (64,), (3, 64), (3,)]
    return {i: torch.randn(shape, generator=gen) * scale for i, shape in enumerate(shapes)}


@pytest.mark.parametrize("scale", [1e-4, 1e-2, 1.0, 1e3])
@pytest.mark.parametrize("mode", ["global_norm", "norm", "value"])
def test_clipping_equals_rllibs(scale: float, mode: str) -> None:
    ours, theirs = _grads(scale), _grads(scale)
    norm = clip_by_global_norm(ours, grad_clip=0.5, grad_clip_by=mode)
    expected = clip_gradients(theirs, grad_clip=0.5, grad_clip_by=mode)
    for key in theirs:
        assert torch.equal(ours[key], theirs[key]), key
    if mode == "global_norm":
        assert norm is not None and float(norm) == pytest.approx(float(expected), rel=1e-6)
        total = torch.linalg.vector_norm(torch.cat([g.reshape(-1) for g in ours.values()]))
        assert float(total) <= 0.5 + 1e-5  # clipped to the bound...
        if float(expected) < 0.5:
            assert torch.equal(ours[0], _grads(scale)[0])  # ...and small gradients untouched


def test_no_clip_leaves_gradients_alone() -> None:
    grads = _grads(1e3)
    assert clip_by_global_norm(grads, grad_clip=None, grad_clip_by="global_norm") is None
    assert torch.equal(grads[2], _grads(1e3)[2])


def test_infinite_gradients_are_capped_like_rllib() -> None:
    ours, theirs = _grads(1.0), _grads(1.0)
    ours[1][0] = theirs[1][0] = float("inf")
    norm = clip_by_global_norm(ours, grad_clip=0.5, grad_clip_by="global_norm")
    expected = clip_gradients(theirs, grad_clip=0.5, grad_clip_by="global_norm")
    assert float(norm) == float(expected)
    for key in theirs:
        assert torch.equal(ours[key].nan_to_num(), theirs[key].nan_to_num())
