"""CORS for the origins listed in ``SKILLNEST_CORS_ORIGINS``, credentials for those only."""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Send

CREDENTIALS = "Access-Control-Allow-Credentials"


class ListedOriginsCORS(CORSMiddleware):
    """Starlette's CORS, except an unlisted origin is never told credentials are allowed."""

    def __init__(self, app: ASGIApp, *, allow_origins: list[str]) -> None:
        super().__init__(
            app,
            allow_origins=allow_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Accept", "Last-Event-ID"],
            allow_credentials=True,
            expose_headers=["Retry-After", "Location"],
            max_age=600,
        )

    def preflight_response(self, request_headers: Headers) -> Response:
        """Answer a preflight; strip the credentials grant for an unlisted origin."""
        response = super().preflight_response(request_headers)
        if not self.is_allowed_origin(request_headers["origin"]):
            del response.headers[CREDENTIALS]
        return response

    async def send(self, message: Message, send: Send, request_headers: Headers) -> None:
        """Add the CORS headers of a simple request; none about credentials when unlisted."""
        origin = request_headers.get("origin")
        if (
            message["type"] != "http.response.start"
            or origin is None
            or self.is_allowed_origin(origin)
        ):
            await super().send(message, send, request_headers)
            return

        async def without_credentials(start: Message) -> None:
            headers = MutableHeaders(scope=start)
            if CREDENTIALS in headers:
                del headers[CREDENTIALS]
            await send(start)

        await super().send(message, without_credentials, request_headers)
