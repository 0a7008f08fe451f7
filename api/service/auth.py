"""Accounts and access: argon2 password hashes, expiring JWT tokens, and one guard per set of roles.

Every route declares who may call it with `Depends(allow(...))`; the guard object keeps its roles so the
access matrix can be enumerated from the app's route table (see `route_roles`).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import HTTPException, Request
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from api.service.db.models import Staff, User

ROLES = ("planner", "field", "municipality", "public")
ACCOUNT_ROLES = ("planner", "field", "municipality")  # "public" is anyone, with or without an account
_hasher = PasswordHasher()
COOKIE = "planner_token"


COMMON_PASSWORDS = frozenset({
    "motdepasse", "motdepasse1", "password", "password1", "azerty", "azertyuiop", "qwerty", "qwertyuiop", "123456789012",
    "soleil", "bonjour", "doudou", "marseille", "chouchou", "loulou", "nicolas", "julien", "camille", "jetaime",
    "administrateur", "admin", "infirmiere", "medecin", "planificateur", "mairie", "sante", "changeme"})


def password_problem(password: str, email: str = "") -> str | None:
    """Why a new password is refused (French), or None: at least 12 characters of at least two kinds (letters,
    digits, other signs), not a common password, not built on the account's e-mail."""
    if len(password) < 12:
        return "le mot de passe doit faire au moins 12 caractères (une phrase de passe convient)"
    if len(password) > 200:
        return "le mot de passe ne peut dépasser 200 caractères"
    kinds = {("l" if c.isalpha() else "d" if c.isdigit() else "o") for c in password}
    if len(kinds) < 2 and len(password) < 20:
        return "mélangez au moins deux sortes de caractères (lettres, chiffres, signes) ou allongez à 20 caractères"
    if len(set(password)) < 5:
        return "le mot de passe répète trop les mêmes caractères"
    bare = "".join(c for c in password.lower() if c.isalpha())
    if password.lower() in COMMON_PASSWORDS or bare in COMMON_PASSWORDS:
        return "ce mot de passe est trop courant : choisissez-en un autre"
    local = email.split("@")[0].lower()
    if len(local) >= 4 and local in password.lower():
        return "le mot de passe ne doit pas reprendre l'adresse e-mail"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def issue_token(user: User, secret: str, minutes: int) -> str:
    now = datetime.now(timezone.utc)
    claims = {"sub": str(user.id), "key": user.token_key, "role": user.role, "iat": now,
              "exp": now + timedelta(minutes=minutes)}
    return jwt.encode(claims, secret, algorithm="HS256")


@dataclass(frozen=True)
class Principal:
    """Who is calling: an account (planner, field, municipality) or an anonymous public visitor."""

    role: str
    user_id: int | None = None
    territory_id: int | None = None
    commune_insee: str | None = None
    staff_id: int | None = None  # database id of the field staff member
    staff_code: str | None = None  # the staff member's id in plans (e.g. "N2")

    @property
    def is_public(self) -> bool:
        return self.role == "public"


PUBLIC = Principal(role="public")


def _token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(COOKIE)


def principal_from_request(request: Request) -> Principal | None:
    """The caller's account from a Bearer token or the login cookie; None when there is none.

    An invalid or expired token is refused (401) rather than silently treated as public.
    """
    token = _token(request)
    if not token:
        return None
    settings = request.app.state.settings
    try:
        claims = jwt.decode(token, settings.secret_key, algorithms=["HS256"],
                            options={"require": ["exp", "sub", "key", "role"]})
        user_id = int(claims["sub"])
    except jwt.ExpiredSignatureError:
        raise HTTPException(401, "jeton expiré, reconnectez-vous", headers={"WWW-Authenticate": "Bearer"}) from None
    except (jwt.PyJWTError, ValueError):
        raise HTTPException(401, "jeton invalide", headers={"WWW-Authenticate": "Bearer"}) from None
    with request.app.state.sessions() as db:
        user = db.get(User, user_id)
        # The key, not the id, names the account: a deleted account's id may be given to a new one.
        if (user is None or not user.active or not hmac.compare_digest(str(claims["key"]), user.token_key)
                or claims["role"] != user.role):
            raise HTTPException(401, "compte inconnu, modifié ou désactivé : reconnectez-vous",
                                headers={"WWW-Authenticate": "Bearer"})
        staff_code = None
        if user.staff_id is not None:
            staff = db.get(Staff, user.staff_id)
            staff_code = staff.code if staff else None
        return Principal(user.role, user.id, user.territory_id, user.commune_insee, user.staff_id, staff_code)


class Guard:
    """A FastAPI dependency that admits only the given roles ("public" admits everyone)."""

    def __init__(self, roles: tuple[str, ...]) -> None:
        unknown = set(roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles {unknown}")
        self.roles = frozenset(roles)

    def __call__(self, request: Request) -> Principal:
        who = principal_from_request(request)
        if who is None:
            if "public" in self.roles:
                return PUBLIC
            raise HTTPException(401, "connexion requise", headers={"WWW-Authenticate": "Bearer"})
        if who.role in self.roles or "public" in self.roles:
            return who
        raise HTTPException(403, "accès refusé pour ce rôle")

    def __repr__(self) -> str:
        return f"allow({', '.join(sorted(self.roles))})"


def allow(*roles: str) -> Guard:
    return Guard(tuple(roles))


def route_roles(route: APIRoute) -> frozenset[str] | None:
    """The roles a route declares (None if it declares none: the access test fails on that)."""
    found = [d.call for d in route.dependant.dependencies if isinstance(d.call, Guard)]
    stack = list(route.dependant.dependencies)
    while stack and not found:
        dep = stack.pop()
        if isinstance(dep.call, Guard):
            found.append(dep.call)
        stack.extend(dep.dependencies)
    return found[0].roles if found else None


_dummy: dict[int, str] = {}


def _dummy_hash() -> str:
    """A hash made with the current parameters, checked when the e-mail is unknown: a login takes as long
    whether the account exists or not, so its timing does not tell which e-mails have one."""
    key = id(_hasher)
    if key not in _dummy:
        _dummy[key] = _hasher.hash("compte-inexistant")
    return _dummy[key]


def authenticate(db: Session, email: str, password: str) -> User | None:
    if "\x00" in email or "\x00" in password:
        return None
    user = db.query(User).filter(User.email == email.strip().lower()).one_or_none()
    ok = verify_password(user.password_hash if user is not None else _dummy_hash(), password)
    if user is None or not user.active or not ok:
        return None
    return user
