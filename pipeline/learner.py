"""The PPO learner: RLlib's torch PPO learner, deterministic and with fewer torch calls per update.

With three small policies (two 64-unit layers each) an update is bound by the number of torch
calls, not by arithmetic: RLlib steps Adam one tensor at a time, clips gradients by their global
norm one tensor at a time and checks every gradient for NaN/inf twice, each check a Python-level
synchronisation. Here the same operations run on all of a module's tensors at once (torch's
``foreach`` kernels). The arithmetic is the same (Adam, global-norm clipping with RLlib's
coefficient, NaN/inf gradients set to finite values as RLlib does); the results agree with RLlib's
to floating-point rounding, and two runs of one config stay bit-identical.
"""

from __future__ import annotations

import logging
from typing import Any

import torch
from ray.rllib.algorithms.ppo.torch.ppo_torch_learner import PPOTorchLearner
from ray.rllib.utils.torch_utils import clip_gradients

logger = logging.getLogger(__name__)
NORM_CAP = 10e8  # RLlib caps each tensor's norm at this before combining (overflow guard)


def clip_by_global_norm(
    gradients_dict: dict[Any, torch.Tensor | None],
    *,
    grad_clip: float | None = None,
    grad_clip_by: str = "value",
) -> torch.Tensor | None:
    """RLlib's ``clip_gradients`` with the global-norm mode on all tensors at once.

    Scales every gradient in place by ``min(1, grad_clip / max(norm + 1e-6, grad_clip))`` and
    returns the global L2 norm, exactly as ``ray.rllib.utils.torch_utils.clip_gradients``; the
    other modes are passed to it unchanged.
    """
    if grad_clip is None or grad_clip_by != "global_norm":
        norm = clip_gradients(gradients_dict, grad_clip=grad_clip, grad_clip_by=grad_clip_by)
        return None if norm is None else torch.as_tensor(norm)
    grads = [g.detach() for g in gradients_dict.values() if g is not None]
    if not grads:
        return torch.tensor(0.0)
    norms = torch.stack(torch._foreach_norm(grads, 2.0)).nan_to_num(
        neginf=-NORM_CAP, posinf=NORM_CAP
    )
    total = torch.linalg.vector_norm(norms, 2.0).nan_to_num(neginf=-NORM_CAP, posinf=NORM_CAP)
    coeff = torch.clamp(grad_clip / torch.clamp(total + 1e-6, min=grad_clip), max=1.0)
    torch._foreach_mul_(grads, coeff)
    return total


class SortedPPOLearner(PPOTorchLearner):
    """RLlib's torch PPO learner: modules' minibatches shuffled in module-id order, batched ops.

    Determinism: each module's batch is reshuffled per epoch from numpy's global RNG, module
    after module in the batch's dict order, which follows string hashing (differs between
    processes); here the modules come in sorted order.
    """

    def _make_batch_if_necessary(self, training_data: Any) -> Any:
        batch = super()._make_batch_if_necessary(training_data)
        batch.policy_batches = dict(sorted(batch.policy_batches.items()))
        return batch

    def configure_optimizers_for_module(self, module_id: Any, config: Any = None) -> None:
        """Adam as in RLlib, stepping all of the module's tensors in one ``foreach`` call."""
        assert self._module is not None, "the learner's modules are built before its optimizers"
        params = self.get_parameters(self._module[module_id])
        self.register_optimizer(
            module_id=module_id,
            optimizer=torch.optim.Adam(params, foreach=True),
            params=params,
            lr_or_lr_schedule=config.lr,
        )

    @staticmethod
    def _get_clip_function() -> Any:
        return clip_by_global_norm

    def apply_gradients(self, gradients_dict: dict[Any, torch.Tensor]) -> None:
        """Set the gradients (NaN/inf made finite, as RLlib does) and step every optimizer.

        One finiteness check over all gradients instead of two per tensor; RLlib's own path is
        kept for gradient scalers, learning-rate scheduler classes and skip-on-NaN.
        """
        cfg = self.config
        if (
            self._grad_scalers is not None
            or self._lr_scheduler_classes is not None
            or cfg.torch_skip_nan_gradients
        ):
            super().apply_gradients(gradients_dict)
            return
        items = [(pid, g) for pid, g in gradients_dict.items() if g is not None]
        if items and not bool(torch.isfinite(torch.cat([g.reshape(-1) for _, g in items])).all()):
            logger.warning("Gradients contain nan/inf values; setting them to finite values.")
            items = [(pid, torch.nan_to_num(g)) for pid, g in items]
        for pid, grad in items:
            self._params[pid].grad = grad
        for module_id, optimizer_names in self._module_optimizers.items():
            for name in optimizer_names:
                self.get_optimizer(module_id, name).step()
