"""Peak activation memory of a naive forward pass, tensor by tensor.

Every tensor knows how many consumers have yet to read it; when the last one
has, its bytes are freed. The peak is the most bytes alive at once.
"""

from __future__ import annotations


class Tensor:
    """A live activation: its size and how many consumers have yet to read it."""

    __slots__ = ("nbytes", "uses")

    def __init__(self, nbytes: int) -> None:
        self.nbytes = nbytes
        self.uses = 1


class ForwardMemory:
    def __init__(self) -> None:
        self.alive = 0
        self.peak = 0

    def allocate(self, nbytes: int) -> Tensor:
        self.alive += nbytes
        if self.alive > self.peak:
            self.peak = self.alive
        return Tensor(nbytes)

    def release(self, tensor: Tensor) -> None:
        tensor.uses -= 1
        if tensor.uses == 0:
            self.alive -= tensor.nbytes
