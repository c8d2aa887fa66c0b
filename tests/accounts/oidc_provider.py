"""A small real OpenID Connect provider for the tests, built with Authlib's server side.

Authorization code grant with PKCE (RFC 7636, required) and the OpenID Connect ``code``
extension (signed RS256 ID tokens with nonce), discovery document, JWKS and userinfo, served
by werkzeug on a loopback port. It also answers at GitHub's paths (``/login/oauth/...``,
``/user``, ``/user/emails``) like a GitHub Enterprise Server, for the plain OAuth 2.0 flow.
Whoever ``login_as`` names is the person signed in at the provider, and consents at once.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import orjson
from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Payload, OAuth2Request
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response


@dataclass
class Person:
    """Someone with an account at the provider."""

    sub: str
    email: str
    email_verified: bool = True
    name: str = "Provider Person"


@dataclass
class Client(ClientMixin):  # type: ignore[misc]
    """The one registered client: skillnest."""

    client_id: str
    client_secret: str
    redirect_uris: list[str]

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        known = ("openid", "email", "profile", "read:user", "user:email")
        return " ".join(s for s in scope.split() if s in known)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code:
    """An issued authorization code."""

    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: Person
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


class Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, request: Request) -> None:
        self._request = request

    @property
    def data(self) -> Any:
        return self._request.values

    @cached_property
    def datalist(self) -> dict[str, list[str]]:
        values: dict[str, list[str]] = defaultdict(list)
        for key in self.data:
            values[key].extend(self.data.getlist(key))
        return values


class WerkzeugRequest(OAuth2Request):  # type: ignore[misc]
    def __init__(self, request: Request) -> None:
        super().__init__(method=request.method, uri=request.url, headers=request.headers)
        self._request = request
        self.payload = Payload(request)

    @property
    def args(self) -> Any:
        return self._request.args

    @property
    def form(self) -> Any:
        return self._request.form


class Provider:
    """The provider: state, Authlib's authorization server, and the WSGI app around it."""

    def __init__(self, *redirect_uris: str) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key"})
        self.client = Client("skillnest-test", secrets.token_urlsafe(24), list(redirect_uris))
        self.codes: dict[str, Code] = {}
        self.tokens: dict[str, tuple[Person, str]] = {}
        self.current: Person | None = None
        self.issuer = ""
        self.server = self._authorization_server()
        self._http: BaseWSGIServer | None = None

    def login_as(self, person: Person) -> None:
        """The person signed in at the provider from now on."""
        self.current = person

    def _authorization_server(self) -> AuthorizationServer:
        provider = self

        class Server(AuthorizationServer):  # type: ignore[misc]
            def query_client(self, client_id: str) -> Client | None:
                return provider.client if client_id == provider.client.client_id else None

            def save_token(self, token: dict[str, Any], request: Any) -> None:
                provider.tokens[token["access_token"]] = (request.user, token.get("scope", ""))

            def create_oauth2_request(self, request: Any) -> OAuth2Request:
                return WerkzeugRequest(request)

            def handle_response(self, status: int, body: Any, headers: Any) -> Response:
                if isinstance(body, dict):
                    body = orjson.dumps(body)
                return Response(body, status=status, headers=headers)

            def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
                pass

        class Grant(AuthorizationCodeGrant):  # type: ignore[misc]
            def save_authorization_code(self, code: str, request: Any) -> None:
                data = request.payload.data
                provider.codes[code] = Code(
                    code=code,
                    client_id=request.client.client_id,
                    redirect_uri=data.get("redirect_uri"),
                    scope=request.scope,
                    user=request.user,
                    nonce=data.get("nonce"),
                    code_challenge=data.get("code_challenge"),
                    code_challenge_method=data.get("code_challenge_method"),
                )

            def query_authorization_code(self, code: str, client: Client) -> Code | None:
                found = provider.codes.get(code)
                return found if found and found.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code: Code) -> None:
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: Code) -> Person:
                return authorization_code.user

        class OpenID(OpenIDCode):  # type: ignore[misc]
            def resolve_client_private_key(self, client: Client) -> RSAKey:
                return provider.key

            def get_client_algorithm(self, client: Client) -> str:
                return "RS256"

            def get_encode_header(self, client: Client) -> dict[str, str]:
                return {"alg": "RS256", "kid": "test-key"}

            def get_client_claims(self, client: Client) -> dict[str, Any]:
                return {
                    "iss": provider.issuer,
                    "aud": [client.client_id],
                    "exp": int(time.time()) + 600,
                }

            def exists_nonce(self, nonce: str, request: Any) -> bool:
                return any(c.nonce == nonce for c in provider.codes.values())

            def generate_user_info(self, user: Person, scope: str) -> UserInfo:
                return provider.user_info(user)

        server = Server()
        server.register_token_generator(
            "default", BearerTokenGenerator(lambda **_: secrets.token_urlsafe(32))
        )
        server.register_grant(Grant, [CodeChallenge(required=True), OpenID(require_nonce=True)])
        return server

    @staticmethod
    def user_info(person: Person) -> UserInfo:
        """The claims about a person."""
        return UserInfo(
            sub=person.sub,
            email=person.email,
            email_verified=person.email_verified,
            name=person.name,
        )

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        """The WSGI app."""
        request = Request(environ)
        routes = {
            "/.well-known/openid-configuration": self._discovery,
            "/jwks": self._jwks,
            "/authorize": self._authorize,
            "/token": self._token,
            "/userinfo": self._userinfo,
            "/login/oauth/authorize": self._authorize,
            "/login/oauth/access_token": self._token,
            "/user": self._github_user,
            "/user/emails": self._github_emails,
        }
        handler = routes.get(request.path)
        response = handler(request) if handler else Response("not found", status=404)
        return response(environ, start_response)

    def _json(self, data: Any, status: int = 200) -> Response:
        return Response(orjson.dumps(data), status=status, mimetype="application/json")

    def _discovery(self, _: Request) -> Response:
        return self._json(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "userinfo_endpoint": f"{self.issuer}/userinfo",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    def _jwks(self, _: Request) -> Response:
        return self._json(KeySet([self.key]).as_dict(private=False))

    def _authorize(self, request: Request) -> Response:
        assert self.current is not None, "nobody is signed in at the provider"
        grant = self.server.get_consent_grant(request=request, end_user=self.current)
        response: Response = self.server.create_authorization_response(
            request=request, grant_user=self.current, grant=grant
        )
        return response

    def _token(self, request: Request) -> Response:
        response: Response = self.server.create_token_response(request=request)
        return response

    def _bearer(self, request: Request) -> Person | None:
        auth = request.headers.get("Authorization", "")
        found = self.tokens.get(auth.removeprefix("Bearer ").strip())
        return found[0] if auth.startswith("Bearer ") and found else None

    def _userinfo(self, request: Request) -> Response:
        person = self._bearer(request)
        if person is None:
            return self._json({"error": "invalid_token"}, status=401)
        return self._json(dict(self.user_info(person)))

    def _github_user(self, request: Request) -> Response:
        person = self._bearer(request)
        if person is None:
            return self._json({"message": "Bad credentials"}, status=401)
        return self._json({"id": int(person.sub), "login": person.sub, "name": person.name})

    def _github_emails(self, request: Request) -> Response:
        person = self._bearer(request)
        if person is None:
            return self._json({"message": "Bad credentials"}, status=401)
        emails = [
            {"email": "old@example.net", "primary": False, "verified": True},
            {"email": person.email, "primary": True, "verified": person.email_verified},
        ]
        return self._json(emails)

    def serve(self) -> None:
        """Listen on a free loopback port in a background thread."""
        self._http = make_server("127.0.0.1", 0, self, threaded=True)
        self.issuer = f"http://127.0.0.1:{self._http.server_port}"
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop listening."""
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
