"""The extract stage's error: raised by every module of the package for input that holds no usable article."""
from __future__ import annotations

from ...errors import InputError


class ExtractionError(InputError):
    """The input holds no usable article; the message names the problem (callers add the input name)."""
