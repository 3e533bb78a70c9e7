"""Accounts: scrypt password hashes (hashlib, no external dependency) and roles.

Hash format: ``scrypt$<n>$<r>$<p>$<salt hex>$<key hex>``; parameters are stored with each hash so
they can be raised later without invalidating old ones.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update

from service.storage.db import Database
from service.storage.errors import Conflict, InvalidAction, NotFound
from service.storage.tables import Role, User

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
KEY_BYTES = 32
MIN_PASSWORD_CHARS = 8


@dataclass(frozen=True)
class Account:
    """The signed-in person as the HTTP layer holds them (``flask.g.user``): never the password
    hash. ``role`` is a ``Role`` (a ``str`` enum, so templates may compare it with ``'admin'``)."""

    id: int
    name: str
    role: Role

    @classmethod
    def of(cls, user: User) -> Account:
        return cls(id=user.id, name=user.username, role=Role(user.role))

    def has_role(self, role: Role) -> bool:
        """Whether this account may do what ``role`` may (an admin may do everything)."""
        return self.role in (role, Role.ADMIN)

    def to_json(self) -> dict[str, object]:
        """The ``/api/session`` shape: ``{"id", "name", "role"}``."""
        return {"id": self.id, "name": self.name, "role": self.role.value}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    key = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=KEY_BYTES)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${key.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, key = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    got = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                         dklen=len(bytes.fromhex(key)), maxmem=256 * 1024 * 1024)
    return hmac.compare_digest(got.hex(), key)


def add_user(db: Database, username: str, password: str, role: Role = Role.REVIEWER) -> int:
    """Create an account; raises ``Conflict`` when the name is taken. Returns the user id."""
    username = username.strip()
    if not username:
        raise InvalidAction("the user name is empty")
    if len(password) < MIN_PASSWORD_CHARS:
        raise InvalidAction(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
    with db.session() as s:
        if s.scalar(select(User).where(User.username == username)) is not None:
            raise Conflict(f"user {username!r} already exists")
        user = User(username=username, password_hash=hash_password(password), role=Role(role).value)
        s.add(user)
        s.flush()
        return user.id


def authenticate(db: Database, username: str, password: str) -> User | None:
    """The active user with this name and password, else ``None`` (same cost either way)."""
    with db.session() as s:
        user = s.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active:
        verify_password(password, hash_password("timing-equaliser"))
        return None
    return user if verify_password(password, user.password_hash) else None


def get_user(db: Database, user_id: int) -> User | None:
    with db.session() as s:
        return s.get(User, user_id)


def session_account(db: Database, user_id: int, session_version: object) -> Account | None:
    """The account a session cookie names, or ``None`` when the user is gone, deactivated or the
    session predates a logout/role change (``users.session_version`` bumped since)."""
    row = get_user(db, user_id)
    if row is None or not row.active or row.session_version != session_version:
        return None
    return Account.of(row)


def set_role(db: Database, username: str, role: Role) -> None:
    """Change a user's role; ends every session of that user (they log in again with the new role)."""
    _change(db, username, role=Role(role).value)


def set_active(db: Database, username: str, active: bool) -> None:
    """(De)activate a user; ends every session of that user."""
    _change(db, username, active=active)


def end_sessions(db: Database, user_id: int) -> None:
    """Invalidate every session cookie issued to ``user_id`` (logout)."""
    with db.session() as s:
        s.execute(update(User).where(User.id == user_id).values(session_version=User.session_version + 1))


def _change(db: Database, username: str, **values: object) -> None:
    with db.session() as s:
        done = s.execute(update(User).where(User.username == username.strip())
                         .values(session_version=User.session_version + 1, **values))
        if done.rowcount != 1:
            raise NotFound(f"no user {username!r}")


def usernames(db: Database, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    with db.session() as s:
        rows = s.execute(select(User.id, User.username).where(User.id.in_(ids))).all()
    return {uid: name for uid, name in rows}
