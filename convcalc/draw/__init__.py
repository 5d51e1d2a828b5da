"""SVG drawings for teaching: one convolution sliding over its input, a whole network as volumes.

Pure Python, standard library only (no click, no rich): every function
returns the SVG document as a string.

>>> from convcalc.draw import draw_conv
>>> draw_conv((5, 5), 3, stride=2, padding=1).startswith("<svg")
True
"""

from __future__ import annotations

from .conv import ConvGeometry, conv_geometry, draw_conv
from .network import draw_report

__all__ = ["ConvGeometry", "conv_geometry", "draw_conv", "draw_report"]
