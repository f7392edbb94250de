"""Progress of a job being waited for: a tqdm bar over its epochs, or plain lines without tqdm."""
from __future__ import annotations

import sys
import time
from typing import IO, Any, Mapping, Optional

try:  # tqdm is optional: `pip install trainyard[progress]`
    from tqdm.auto import tqdm
except ImportError:  # pragma: no cover - depends on the environment
    tqdm = None

#: Metrics shown next to the loss when an epoch has them.
SHOWN = ("val_loss", "accuracy", "val_accuracy", "r2", "val_r2")


def describe(metrics: Mapping[str, Any]) -> str:
    parts = ["loss %.4g" % metrics["loss"]]
    parts += ["%s %.4g" % (k, metrics[k]) for k in SHOWN if isinstance(metrics.get(k), (int, float))]
    return "  ".join(parts)


class Progress:
    """Shows epochs as they arrive. Without tqdm: one line per epoch, at most one a second
    (and always the last)."""

    def __init__(self, *, enabled: bool = True, file: Optional[IO[str]] = None, use_tqdm: Optional[bool] = None) -> None:
        self.enabled = enabled
        self.file = file
        self.use_tqdm = (tqdm is not None) if use_tqdm is None else (use_tqdm and tqdm is not None)
        self._bar: Any = None
        self._last_line = 0.0

    def epoch(self, metrics: Mapping[str, Any]) -> None:
        if not self.enabled:
            return
        epoch, epochs = metrics["epoch"], metrics["epochs"]
        if self.use_tqdm:
            if self._bar is None:
                self._bar = tqdm(total=epochs, unit="epoch", file=self.file, initial=epoch - 1)
            self._bar.set_postfix_str(describe(metrics), refresh=False)
            self._bar.update(epoch - self._bar.n)
            return
        now = time.monotonic()
        if epoch == epochs or now - self._last_line >= 1.0:
            self._last_line = now
            print("epoch %d/%d  %s" % (epoch, epochs, describe(metrics)), file=self.file or sys.stdout, flush=True)

    def step(self, progress: Mapping[str, Any]) -> None:
        if self.enabled and self._bar is not None:
            self._bar.set_postfix_str(
                "step %d/%d  loss %.4g" % (progress["step"], progress["steps"], progress["loss"]), refresh=True
            )

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
