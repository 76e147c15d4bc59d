"""WSGI middleware that no library already provides.

Each is plain WSGI (no webob): they run on every request.
"""

from collections.abc import Callable
from types import TracebackType

# What a start_response is given as exc_info: sys.exc_info()'s value.
ExcInfo = (tuple[type[BaseException], BaseException, TracebackType]
           | tuple[None, None, None])
# What a start_response returns: the legacy write() callable.
Write = Callable[[bytes], object]
