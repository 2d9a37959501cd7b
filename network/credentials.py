"""Device credentials encrypted at rest with ISP_CREDENTIALS_KEY (cryptography's Fernet)."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

from isp.errors import DomainError
from isp.i18n import gettext as _


def _fernet(key: str | None = None) -> Fernet:
    try:
        return Fernet((key or current_app.config["CREDENTIALS_KEY"]).encode())
    except (ValueError, TypeError):
        raise DomainError(_("ISP_CREDENTIALS_KEY n'est pas une clé Fernet valide")) from None


def encrypt_secret(clear: str | None) -> str | None:
    """Encrypt a secret for storage; None stays None."""
    if clear is None or clear == "":
        return None
    return _fernet().encrypt(clear.encode()).decode()


def decrypt_secret(stored: str | None) -> str | None:
    """Decrypt a stored secret (only when talking to the device; never shown or logged)."""
    if stored is None:
        return None
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except InvalidToken:
        raise DomainError(_("Un identifiant d'équipement ne peut pas être déchiffré avec la clé "
                            "actuelle")) \
            from None


def rotate_token(stored: str | None, old_key: str, new_key: str) -> str | None:
    """Re-encrypt one stored secret from the old key to the new one."""
    if stored is None:
        return None
    return MultiFernet([Fernet(new_key.encode()), Fernet(old_key.encode())]).rotate(
        stored.encode()).decode()
