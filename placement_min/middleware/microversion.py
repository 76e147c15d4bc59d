"""Negotiate the microversion and stamp it on every response below."""

from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from placement_min import environ_keys
from placement_min import errors
from placement_min import microversion
from placement_min.middleware import ExcInfo, Write

_VARY = ('Vary', microversion.HEADER.lower())


class MicroversionMiddleware:

    def __init__(self, application: WSGIApplication) -> None:
        self.application = application

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        try:
            version = microversion.parse(environ)
        except microversion.InvalidVersion as exc:
            return self._refuse(environ, start_response, 400, str(exc))
        except microversion.UnacceptableVersion as exc:
            return self._refuse(
                environ, start_response, 406, str(exc),
                extra={'min_version': str(microversion.MIN_VERSION),
                       'max_version': str(microversion.MAX_VERSION)})
        environ[environ_keys.MICROVERSION] = version
        return self.application(environ, _stamped(start_response, version))

    @staticmethod
    def _refuse(environ: WSGIEnvironment, start_response: StartResponse,
                status: int, detail: str,
                extra: dict[str, str] | None = None) -> Iterable[bytes]:
        # The answer is given at the minimum version, and says so.
        environ[environ_keys.MICROVERSION] = microversion.MIN_VERSION
        return errors.respond(
            environ, _stamped(start_response, microversion.MIN_VERSION),
            status, detail, extra=extra)


def _stamped(start_response: StartResponse,
             version: microversion.Version) -> StartResponse:
    header = (microversion.HEADER, microversion.response_header(version))

    def start(status: str, headers: list[tuple[str, str]],
              exc_info: ExcInfo | None = None) -> Write:
        headers.append(header)
        headers.append(_VARY)
        return start_response(status, headers, exc_info)
    return start
