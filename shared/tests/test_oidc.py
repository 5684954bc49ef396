"""The token verifier every service uses, against tokens signed here (the
provider's HTTP is a local transport serving a JWKS this test controls)."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, OctKey, RSAKey

from liaison_shared.access import program_access
from liaison_shared.oidc import TokenVerifier

ISSUER, AUDIENCE = "http://idp.test/realms/liaison", "liaison"


class Provider:
    """Discovery and a JWKS over an httpx transport; `up` False answers 503."""

    def __init__(self) -> None:
        self.keys = [RSAKey.generate_key(2048, parameters={"kid": "k1"})]
        self.up, self.fetches = True, 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        if not self.up:
            return httpx.Response(503)
        if request.url.path.endswith("/.well-known/openid-configuration"):
            return httpx.Response(200, json={"issuer": ISSUER, "jwks_uri": f"{ISSUER}/certs"})
        self.fetches += 1
        return httpx.Response(200, json=KeySet(self.keys).as_dict(private=False))  # type: ignore[arg-type]

    def token(self, key: Any = None, *, alg: str = "RS256", **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": ISSUER, "aud": AUDIENCE, "sub": "user-1", "exp": now + 300, "iat": now, "azp": "liaison-console",
                "preferred_username": "maria", "name": "Maria Lopez", "realm_access": {"roles": ["member-liaison"]},
                **claims}
        body = {k: v for k, v in body.items() if v is not None}
        signing = key or self.keys[0]
        return jwt.encode({"alg": alg, "kid": signing.kid, "typ": "JWT"}, body, signing)


@pytest.fixture
def provider() -> Provider:
    return Provider()


def verifier(provider: Provider, clock: list[float] | None = None, refresh: float = 300.0) -> TokenVerifier:
    http = httpx.AsyncClient(transport=httpx.MockTransport(provider.handle))
    monotonic = (lambda: clock[0]) if clock is not None else time.monotonic
    return TokenVerifier(ISSUER, AUDIENCE, program_access(), http=http, refresh_seconds=refresh, monotonic=monotonic)


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def test_a_valid_token_is_a_principal_with_its_roles_scopes(provider: Provider) -> None:
    principal = run(verifier(provider).authenticate(provider.token()))
    assert principal is not None
    assert (principal.id, principal.name, principal.client, principal.roles) == \
        ("user-1", "Maria Lopez", "liaison-console", frozenset({"member-liaison"}))
    assert {"intake:write", "inquiry:read", "inquiry:act"} <= principal.scopes and principal.mco is None


def test_a_systems_granted_scopes_and_mco_count_but_never_more_than_systems_may_hold(provider: Provider) -> None:
    token = provider.token(sub="sa-1", preferred_username="service-account-mco-ia-tc", name=None, azp="mco-ia-tc",
                           realm_access=None, scope="profile inquiry:read inquiry:act audit:read", mco="IA-TC")
    principal = run(verifier(provider).authenticate(token))
    assert principal is not None
    assert principal.scopes == {"inquiry:read", "inquiry:act", "mco:IA-TC"}
    assert (principal.name, principal.mco) == ("mco-ia-tc", "IA-TC")


def test_mco_staff_without_an_mco_claim_get_nothing(provider: Provider) -> None:
    principal = run(verifier(provider).authenticate(provider.token(realm_access={"roles": ["mco-staff"]})))
    assert principal is not None and principal.scopes == frozenset()


@pytest.mark.parametrize("case", ["expired", "not-yet-valid", "issuer", "audience", "no-subject", "forged",
                                  "alg-none", "hmac-with-public-key", "garbage", "other-realm"])
def test_bad_tokens_are_refused(provider: Provider, case: str) -> None:
    now = int(time.time())
    other = RSAKey.generate_key(2048, parameters={"kid": "k1"})  # same kid, another key: a forgery
    tokens = {
        "expired": lambda: provider.token(exp=now - 120, iat=now - 600),
        "not-yet-valid": lambda: provider.token(nbf=now + 600),
        "issuer": lambda: provider.token(iss="http://evil.test/realms/liaison"),
        "audience": lambda: provider.token(aud="account"),
        "no-subject": lambda: provider.token(sub=None),
        "forged": lambda: provider.token(other),
        "alg-none": lambda: _unsigned(provider.token()),
        "hmac-with-public-key": lambda: provider.token(
            OctKey.import_key(json.dumps(provider.keys[0].as_dict(private=False)).encode(),
                              parameters={"kid": "k1"}), alg="HS256"),
        "garbage": lambda: "abc.def.ghi",
        "other-realm": lambda: provider.token(iss="http://idp.test/realms/master"),
    }
    assert run(verifier(provider).authenticate(tokens[case]())) is None


def _unsigned(token: str) -> str:
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=").decode()
    return f"{header}.{token.split('.')[1]}."


def test_rotated_keys_are_fetched_when_a_token_names_a_new_one(provider: Provider) -> None:
    clock = [1000.0]
    checker = verifier(provider, clock)
    assert run(checker.authenticate(provider.token())) is not None
    provider.keys = [ECKey.generate_key("P-256", parameters={"kid": "k2"})]
    clock[0] += 11  # past the refetch floor
    assert run(checker.authenticate(provider.token(alg="ES256"))) is not None
    assert provider.fetches == 2


def test_an_identity_provider_outage_keeps_held_keys_working_and_readiness_says_so(provider: Provider) -> None:
    clock = [1000.0]
    checker = verifier(provider, clock, refresh=60)
    run(checker.refresh())
    assert checker.keys_fresh
    provider.up = False
    clock[0] += 200  # past two refresh periods, the provider still down
    assert run(checker.authenticate(provider.token())) is not None
    assert not checker.keys_fresh
    with pytest.raises(Exception, match="HTTPStatusError"):
        run(checker.refresh())


def test_a_provider_reached_at_another_address_than_its_issuers_is_asked_there(provider: Provider) -> None:
    asked: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.host)
        return provider.handle(request)

    checker = TokenVerifier(ISSUER, AUDIENCE, program_access(), provider_url="http://keycloak:8080/realms/liaison",
                            http=httpx.AsyncClient(transport=httpx.MockTransport(handle)))
    assert run(checker.authenticate(provider.token())) is not None
    assert asked == ["keycloak", "keycloak"]  # discovery, then the keys; the token's issuer stays the public one


def counting_signature_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tokens whose signature the verifier checks, in order."""
    checked: list[str] = []
    decode = jwt.decode

    def counted(token: str, *args: Any, **kwargs: Any) -> Any:
        checked.append(token)
        return decode(token, *args, **kwargs)

    monkeypatch.setattr("liaison_shared.oidc.jwt.decode", counted)
    return checked


def test_a_repeated_token_is_verified_once_until_it_expires(provider: Provider,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    checked = counting_signature_checks(monkeypatch)
    wall = [time.time()]
    checker = TokenVerifier(ISSUER, AUDIENCE, program_access(), wall_clock=lambda: wall[0],
                            http=httpx.AsyncClient(transport=httpx.MockTransport(provider.handle)))
    token = provider.token(exp=int(wall[0]) + 60)
    assert run(checker.authenticate(token)) == run(checker.authenticate(token)) is not None
    assert checked == [token]
    wall[0] += 60 + 31  # past exp and the leeway: refused from the cache, without a signature check
    assert run(checker.authenticate(token)) is None
    assert checked == [token]


def test_another_token_string_is_verified_afresh_even_with_the_same_claims(provider: Provider) -> None:
    checker = verifier(provider)
    token = provider.token()
    assert run(checker.authenticate(token)) is not None
    forged = provider.token(RSAKey.generate_key(2048, parameters={"kid": "k1"}))  # same kid and claims
    assert run(checker.authenticate(forged)) is None
    header, body, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    assert run(checker.authenticate(f"{header}.{body}.{flipped}")) is None
    assert run(checker.authenticate(token)) is not None


def test_a_remembered_token_of_a_retired_key_is_refused_once_keys_are_fetched_again(provider: Provider) -> None:
    checker = verifier(provider)
    token = provider.token()
    assert run(checker.authenticate(token)) is not None
    provider.keys = [RSAKey.generate_key(2048, parameters={"kid": "k2"})]  # k1 retired
    run(checker.refresh())
    assert run(checker.authenticate(token)) is None
    assert run(checker.authenticate(provider.token())) is not None
