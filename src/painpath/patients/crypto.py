"""Field encryption and keyed hashes for identifiers (the CPR number).

The CPR number is stored encrypted (Fernet: AES-128-CBC with HMAC-SHA256) and found through
a keyed hash (HMAC-SHA256), so a copy of the database alone reveals neither the number nor
— by trying all birth dates and serials — which patient has which number. Both keys are
derived from ``PAINPATH_FIELD_KEY`` (settings.FIELD_KEY); rotate by re-encrypting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


@cache
def _keys(secret: str) -> tuple[Fernet, bytes]:
    # Two independent keys from one secret, so the hash key never encrypts and vice versa.
    root = hashlib.sha256(secret.encode()).digest()
    enc = hmac.new(root, b"painpath field encryption", hashlib.sha256).digest()
    mac = hmac.new(root, b"painpath lookup hash", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(enc)), mac


def encrypt(text: str) -> str:
    return _keys(settings.FIELD_KEY)[0].encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _keys(settings.FIELD_KEY)[0].decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ValueError(
            "cannot decrypt: the field key has changed or the value is damaged"
        ) from error


def lookup_hash(text: str) -> str:
    return hmac.new(_keys(settings.FIELD_KEY)[1], text.encode(), hashlib.sha256).hexdigest()
