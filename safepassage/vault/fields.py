"""Encrypted model fields and blind indexes.

A model that stores personal data subclasses `VaultedModel`, which gives
every row a `vault_id` (a UUID fixed at creation, so that ciphertexts can
be bound to their row before the database has assigned a primary key)
and a `data_key` (the owning record's key; a case and everything under it
share one, so that shredding it destroys them all).

Encrypted fields keep the database value as an opaque envelope
(crypto.py) bound to ``field/<table>/<column>/<vault_id>`` and to the data
key's id. Values are decrypted lazily, on first attribute access, and the
plaintext is kept on the instance only. A value read from the database and
not changed is written back as the same envelope.

Rules the fields enforce:
- NULL stays NULL (not encrypted: presence is not secret); "" and 0 are
  encrypted like any other value and come back as "" and 0;
- no lookups other than `isnull`: equality on ciphertext means nothing,
  exact lookups go through a BlindIndexField;
- `QuerySet.update()` with a plaintext is refused (it would bypass
  encryption);
- a value whose envelope names another key than the row's data key, or
  fails its tag, raises DecryptionError -- never returns bytes;
- a row whose owning unit is a column (`vault_unit_paths`) is read and
  written only while its data key is wrapped under that unit's key;
  otherwise UnitMismatch (a DecryptionError) -- see keys.py.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import mimetypes
import os
import threading
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import models
from django.db.models.query_utils import DeferredAttribute
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from . import crypto, keyring, keys
from .exceptions import DecryptionError, KeyShredded, RowRef

# --- the owning record ------------------------------------------------------


class VaultedModel(models.Model):
    """Base for every model with encrypted fields.

    Subclasses say under which scope a new data key is made
    (`vault_scope()`), or assign `data_key` themselves before saving (a
    record that belongs to a case takes the case's key).

    `vault_unit_paths` names, as ORM paths ("case__unit"), the unit columns
    that decide who may see the row: the first one set is its owning unit,
    none set means the system scope. When given, the row's data key must be
    wrapped under that unit's key for any value to be read or written
    (`vault_bound_scope`); only a service that moves the key
    (`keys.data_key_move`) in the same transaction may change the column.
    Empty (the default): no unit binding.
    """

    vault_unit_paths: ClassVar[tuple[str, ...]] = ()

    vault_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    data_key = models.ForeignKey(
        "vault.DataKey", on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.vault_ensure_data_key()
        super().save(*args, **kwargs)

    def vault_scope(self) -> str:
        return keys.SYSTEM_SCOPE

    def vault_ensure_data_key(self) -> None:
        if self.data_key_id is None:
            self.data_key = keys.data_key_create(
                scope=self.vault_scope(), owner=self._meta.label_lower
            )

    def vault_bound_scope(self) -> str | None:
        """The scope this row's data key must be under now, read from its
        owning unit column(s); None when the model declares no binding.
        Follows foreign keys (a query each unless already loaded)."""
        paths = type(self).vault_unit_paths
        if not paths:
            return None
        for path in paths:
            unit_id = _follow_unit(self, path)
            if unit_id is not None:
                return keys.scope_for_unit(unit_id)
        return keys.SYSTEM_SCOPE

    def vault_key(self) -> bytes:
        """This row's data key, refused unless it is under the bound scope."""
        return keys.data_key_bytes(self.data_key, scope=self.vault_bound_scope(), row=self)


def _follow_unit(instance: models.Model, path: str) -> int | None:
    *hops, last = path.split("__")
    obj: Any = instance
    for hop in hops:
        obj = getattr(obj, hop)
        if obj is None:
            return None
    unit_id = getattr(obj, f"{last}_id")
    return None if unit_id is None else int(unit_id)


def bound_scope_of(unit_ids: Sequence[int | None]) -> str:
    """The scope the first set one of `unit_ids` (the values of a model's
    `vault_unit_paths`, in order) names; the system scope if none is set."""
    for unit_id in unit_ids:
        if unit_id is not None:
            return keys.scope_for_unit(unit_id)
    return keys.SYSTEM_SCOPE


def _vaulted(instance: models.Model) -> VaultedModel:
    if not isinstance(instance, VaultedModel):
        raise TypeError(
            f"{type(instance).__name__} has encrypted fields but is not a VaultedModel."
        )
    return instance


class Sealed:
    """A ciphertext as read from the database, not yet decrypted."""

    __slots__ = ("envelope",)

    def __init__(self, envelope: bytes) -> None:
        self.envelope = envelope

    def __repr__(self) -> str:
        return "<Sealed>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sealed) and other.envelope == self.envelope

    def __hash__(self) -> int:
        return hash(self.envelope)


_PLAIN_CACHE = "_vault_plaintexts"


def require_row_key(envelope: bytes, data_key_id: uuid.UUID | None) -> None:
    if data_key_id is None or crypto.envelope_key_bytes(envelope) != data_key_id.bytes:
        raise DecryptionError(
            "A stored value is encrypted under another record's key (moved or swapped)."
        )


def row_ref(instance: models.Model) -> RowRef:
    """The identifiers of `instance`'s row, for reporting a failure on it."""
    return RowRef(
        model=instance._meta.label_lower,
        pk=str(instance.pk),
        vault_id=getattr(instance, "vault_id", None),
        data_key_id=getattr(instance, "data_key_id", None),
    )


class _DecryptingAttribute(DeferredAttribute):
    """Loads deferred values like Django's, then decrypts on first access."""

    field: EncryptedField

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        raw = super().__get__(instance, cls)
        if not isinstance(raw, Sealed):
            return raw
        cache: dict[str, tuple[Sealed, Any]] = instance.__dict__.setdefault(_PLAIN_CACHE, {})
        hit = cache.get(self.field.attname)
        if hit is not None and hit[0] is raw:
            return hit[1]
        try:
            value = self.field.decrypt_for(instance, raw)
        except DecryptionError as exc:
            if exc.row is None:
                exc.row = row_ref(instance)
            raise
        cache[self.field.attname] = (raw, value)
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        # A data descriptor, so that reads always pass through __get__.
        instance.__dict__[self.field.attname] = value


# --- encrypted fields -------------------------------------------------------


class EncryptedField(models.BinaryField):  # type: ignore[type-arg]
    """Base class: subclasses define `encode` (value → bytes) and `decode`."""

    descriptor_class = _DecryptingAttribute

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("editable", True)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    # subclasses -------------------------------------------------------------
    def encode(self, value: Any) -> bytes:
        raise TypeError("EncryptedField is abstract")

    def decode(self, data: bytes) -> Any:
        raise TypeError("EncryptedField is abstract")

    def to_python(self, value: Any) -> Any:
        return value

    # crypto ------------------------------------------------------------------
    def purpose(self, instance: VaultedModel) -> str:
        return self.purpose_of(instance._meta.db_table, instance.vault_id)

    def purpose_of(self, table: str, vault_id: uuid.UUID) -> str:
        return f"field/{table}/{self.column}/{vault_id}"

    def decrypt_for(self, instance: Any, sealed: Sealed) -> Any:
        vaulted = _vaulted(instance)
        require_row_key(sealed.envelope, vaulted.data_key_id)
        return self.open(vaulted.vault_key(), sealed, self.purpose(vaulted))

    def open(self, key: bytes, sealed: Sealed, purpose: str) -> Any:
        """The value of `sealed` (this column's, of the row `purpose` names)
        under its row's data key. The caller has checked that the envelope
        names that key (`require_row_key`)."""
        plaintext = crypto.decrypt(key, sealed.envelope, purpose)
        try:
            return self.decode(plaintext)
        except (ValueError, UnicodeDecodeError) as exc:  # authentic but undecodable
            raise DecryptionError("A stored value decrypts to an unexpected type.") from exc

    def encrypt_for(self, instance: VaultedModel, value: Any) -> bytes:
        instance.vault_ensure_data_key()
        key = instance.vault_key()
        return crypto.encrypt(
            key,
            instance.data_key_id,
            self.encode(value),
            self.purpose(instance),
        )

    # Django hooks --------------------------------------------------------------
    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Sealed | None:
        if value is None:
            return None
        return Sealed(bytes(value))

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = model_instance.__dict__.get(self.attname)
        if value is None:
            return None
        if isinstance(value, Sealed):
            return value.envelope
        vaulted = _vaulted(model_instance)
        return self.encrypt_for(vaulted, self.to_python(value))

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, Sealed):
            return value.envelope
        if isinstance(value, bytes | memoryview) and self._is_envelope(value):
            return bytes(value)
        raise TypeError(
            "Encrypted fields are written through model.save() only "
            "(QuerySet.update and lookups on plaintext are refused)."
        )

    @staticmethod
    def _is_envelope(value: bytes | memoryview) -> bool:
        return len(value) >= crypto.MIN_ENVELOPE_BYTES and bytes(value[:1]) == bytes(
            [crypto.VERSION]
        )

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)

    def value_to_string(self, obj: models.Model) -> str:
        """Serialisation (dumpdata) carries the ciphertext, never the plaintext."""
        raw = obj.__dict__.get(self.attname)
        if isinstance(raw, Sealed):
            return base64.b64encode(raw.envelope).decode("ascii")
        return ""

    def validate(self, value: Any, model_instance: models.Model | None) -> None:
        if isinstance(value, Sealed):
            return
        super().validate(value, model_instance)

    def clean(self, value: Any, model_instance: models.Model | None) -> Any:
        value = self.to_python(value)
        self.validate(value, model_instance)
        self.run_validators(value)
        return value

    def run_validators(self, value: Any) -> None:
        if isinstance(value, Sealed):
            return
        super().run_validators(value)


class EncryptedTextField(EncryptedField):
    """Text of any length. Values are NFC-normalised before encryption."""

    def __init__(self, *args: Any, max_length: int | None = None, **kwargs: Any) -> None:
        self.text_max_length = max_length
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.text_max_length is not None:
            kwargs["max_length"] = self.text_max_length
        return name, path, args, kwargs

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, Sealed):
            return value
        if not isinstance(value, str):
            value = str(value)
        return unicodedata.normalize("NFC", value)

    def validate(self, value: Any, model_instance: models.Model | None) -> None:
        if (
            isinstance(value, str)
            and self.text_max_length is not None
            and len(value) > self.text_max_length
        ):
            raise ValidationError(
                _("Ensure this value has at most %(limit)d characters."),
                code="max_length",
                params={"limit": self.text_max_length},
            )
        if value in ("", None) and not self.blank:
            raise ValidationError(self.error_messages["blank"], code="blank")

    def encode(self, value: Any) -> bytes:
        if not isinstance(value, str):
            raise TypeError("EncryptedTextField takes str")
        return value.encode("utf-8")

    def decode(self, data: bytes) -> str:
        return data.decode("utf-8")

    def formfield(self, **kwargs: Any) -> Any:
        from django import forms

        defaults: dict[str, Any] = {
            "form_class": forms.CharField,
            "max_length": self.text_max_length,
            "required": not self.blank,
        }
        if self.text_max_length is None or self.text_max_length > 200:
            defaults["widget"] = forms.Textarea
        defaults.update(kwargs)
        return models.Field.formfield(self, **defaults)


class EncryptedDateField(EncryptedField):
    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, Sealed):
            return value
        if isinstance(value, dt.datetime):
            raise ValidationError(_("Enter a date, not a date and time."), code="invalid")
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                raise ValidationError(_("Enter a valid date."), code="invalid") from None
        raise ValidationError(_("Enter a valid date."), code="invalid")

    def encode(self, value: Any) -> bytes:
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise TypeError("EncryptedDateField takes datetime.date")
        return value.isoformat().encode("ascii")

    def decode(self, data: bytes) -> dt.date:
        return dt.date.fromisoformat(data.decode("ascii"))

    def formfield(self, **kwargs: Any) -> Any:
        from django import forms

        defaults: dict[str, Any] = {"form_class": forms.DateField, "required": not self.blank}
        defaults.update(kwargs)
        return models.Field.formfield(self, **defaults)


class EncryptedJSONField(EncryptedField):
    """JSON values (dict, list, str, int, float, bool). None means SQL NULL."""

    def encode(self, value: Any) -> bytes:
        try:
            return json.dumps(
                value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
            ).encode("utf-8")
        except (TypeError, ValueError) as exc:
            raise ValidationError(_("This value cannot be stored."), code="invalid") from exc

    def decode(self, data: bytes) -> Any:
        return json.loads(data.decode("utf-8"))

    def formfield(self, **kwargs: Any) -> Any:
        from django import forms

        defaults: dict[str, Any] = {"form_class": forms.JSONField, "required": not self.blank}
        defaults.update(kwargs)
        return models.Field.formfield(self, **defaults)


# --- encrypted files --------------------------------------------------------


class StoredFile:
    """An encrypted file as the model sees it. `read()` decrypts."""

    def __init__(
        self,
        *,
        storage_name: str,
        size: int,
        content_type: str,
        purpose: str,
        key_getter: Callable[[], bytes],
    ) -> None:
        self.storage_name = storage_name
        self.size = size
        self.content_type = content_type
        self._purpose = purpose
        self._key_getter = key_getter

    def __repr__(self) -> str:
        return f"<StoredFile {self.content_type} {self.size} bytes>"

    @property
    def path(self) -> Path:
        return Path(settings.VAULT_MEDIA_ROOT) / self.storage_name

    def read(self) -> bytes:
        try:
            envelope = self.path.read_bytes()
        except FileNotFoundError:
            raise DecryptionError("An encrypted file is missing from storage.") from None
        return crypto.decrypt(self._key_getter(), envelope, self._purpose)


class PendingFile:
    """A file assigned to an EncryptedFileField, written (encrypted) on save."""

    def __init__(self, content: bytes, *, content_type: str | None = None, name: str = "") -> None:
        self.content = content
        self.content_type = (
            content_type or mimetypes.guess_type(name)[0] or ("application/octet-stream")
        )

    @classmethod
    def from_file(cls, upload: File[Any]) -> PendingFile:
        upload.seek(0)
        data = upload.read()
        content_type = getattr(upload, "content_type", None)
        return cls(
            data if isinstance(data, bytes) else data.encode(),
            content_type=content_type,
            name=upload.name or "",
        )


_IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/gif": "GIF"}
MAX_IMAGE_PIXELS = 40_000_000


def strip_image_metadata(content: bytes) -> tuple[bytes, str]:
    """Re-encode an image from its pixels only: EXIF, GPS, XMP, ICC comments gone.

    Returns (bytes, content type). Raises ValidationError for anything that
    is not a readable image of a supported type.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        with Image.open(io.BytesIO(content)) as img:
            fmt = img.format or ""
            if fmt not in _IMAGE_TYPES.values():
                raise ValidationError(_("Unsupported image type."), code="invalid_image")
            img.load()
            oriented = ImageOps.exif_transpose(img) or img
            mode = "RGBA" if oriented.mode in {"RGBA", "LA", "P"} and fmt != "JPEG" else "RGB"
            clean = Image.new(mode, oriented.size)
            clean.paste(oriented.convert(mode))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
        raise ValidationError(
            _("The file is not a readable image."), code="invalid_image"
        ) from None
    out = io.BytesIO()
    if fmt == "JPEG":
        clean.save(out, format="JPEG", quality=90)
        return out.getvalue(), "image/jpeg"
    clean.save(out, format="PNG")
    return out.getvalue(), "image/png"


class EncryptedFileField(EncryptedJSONField):
    """A file encrypted on disk under the row's data key.

    The column holds encrypted metadata (storage name, size, type); the
    file under VAULT_MEDIA_ROOT holds an envelope bound to the row, column
    and storage name. Images have their metadata stripped before
    encryption; other types are refused unless listed in `content_types`.
    """

    def __init__(self, *args: Any, content_types: tuple[str, ...] = (), **kwargs: Any) -> None:
        self.content_types = tuple(content_types)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.content_types:
            kwargs["content_types"] = self.content_types
        return name, path, args, kwargs

    def to_python(self, value: Any) -> Any:
        if isinstance(value, File):
            return PendingFile.from_file(value)
        return value

    def _file_purpose(self, instance: VaultedModel, storage_name: str) -> str:
        return f"file/{instance._meta.db_table}/{self.column}/{instance.vault_id}/{storage_name}"

    def decode(self, data: bytes) -> Any:
        return json.loads(data.decode("utf-8"))

    def decrypt_for(self, instance: Any, sealed: Sealed) -> StoredFile:
        meta = super().decrypt_for(instance, sealed)
        vaulted = _vaulted(instance)
        try:
            storage_name = str(meta["storage_name"])
            return StoredFile(
                storage_name=storage_name,
                size=int(meta["size"]),
                content_type=str(meta["content_type"]),
                purpose=self._file_purpose(vaulted, storage_name),
                key_getter=vaulted.vault_key,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DecryptionError("Encrypted file metadata is malformed.") from exc

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = model_instance.__dict__.get(self.attname)
        if isinstance(value, File):
            value = PendingFile.from_file(value)
        if not isinstance(value, PendingFile):
            if isinstance(value, StoredFile):
                raise TypeError("Assign a PendingFile to replace a stored file.")
            return super().pre_save(model_instance, add)
        vaulted = _vaulted(model_instance)
        content, content_type = value.content, value.content_type
        if content_type in _IMAGE_TYPES or content_type.startswith("image/"):
            content, content_type = strip_image_metadata(content)
        elif content_type not in self.content_types:
            raise ValidationError(_("This type of file is not accepted."), code="file_type")
        vaulted.vault_ensure_data_key()
        storage_name = f"{uuid.uuid4().hex}.bin"
        key = vaulted.vault_key()
        envelope = crypto.encrypt(
            key,
            vaulted.data_key_id,
            content,
            self._file_purpose(vaulted, storage_name),
        )
        root = Path(settings.VAULT_MEDIA_ROOT)
        root.mkdir(parents=True, exist_ok=True)
        target = root / storage_name
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(envelope)
            fh.flush()
            os.fsync(fh.fileno())
        # If the surrounding transaction rolls back, this file stays behind
        # as an orphan: ciphertext only, whose metadata was never stored.
        meta = {"storage_name": storage_name, "size": len(content), "content_type": content_type}
        return self.encrypt_for(vaulted, meta)

    def formfield(self, **kwargs: Any) -> Any:
        from django import forms

        defaults: dict[str, Any] = {"form_class": forms.FileField, "required": not self.blank}
        defaults.update(kwargs)
        return models.Field.formfield(self, **defaults)


# --- blind indexes ----------------------------------------------------------


def default_normalizer(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value).casefold().split())


_index_keys: dict[tuple[bytes, str], bytes] = {}
_index_keys_lock = threading.Lock()


def _index_key(master: bytes, table: str, name: str) -> bytes:
    """The field's own key under `master` (cached by master and field, so a
    master replaced by rotation is never served from the cache)."""
    purpose = f"{table}/{name}"
    with _index_keys_lock:
        key = _index_keys.get((master, purpose))
        if key is None:
            key = crypto.hkdf(master, f"blind-index/{purpose}")
            _index_keys[(master, purpose)] = key
        return key


def forget_index_keys() -> None:
    with _index_keys_lock:
        _index_keys.clear()


class BlindIndexField(models.BigIntegerField):  # type: ignore[type-arg]
    """A truncated keyed hash of another field's normalised value.

    Only for fields staff must find by exact value (phone, NRC, service
    number, weapon serial, channel address). The width (`bits`, default
    24) is chosen so that a lookup returns few false candidates while each
    index value stands for many possible plaintexts: see docs/security.md.
    Lookups must confirm candidates against the decrypted source
    (`blind_index_filter`).
    """

    def __init__(
        self,
        *args: Any,
        source: str = "",
        normalizer: str | Callable[[str], str] | None = None,
        bits: int = 24,
        **kwargs: Any,
    ) -> None:
        if not 16 <= bits <= 63:
            raise ValueError("bits must be between 16 and 63")
        self.source = source
        self.normalizer = normalizer
        self.bits = bits
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["bits"] = self.bits
        if isinstance(self.normalizer, str):
            kwargs["normalizer"] = self.normalizer
        for key in ("null", "blank", "editable", "db_index"):
            kwargs.pop(key, None)
        return name, path, args, kwargs

    def normalize(self, value: str) -> str:
        normalizer = self.normalizer
        if normalizer is None:
            return default_normalizer(value)
        func = import_string(normalizer) if isinstance(normalizer, str) else normalizer
        return cast(str, func(value))

    def index_under(self, master: bytes, value: str) -> int:
        """The index value of a plaintext under one blind-index master."""
        normalised = self.normalize(value)
        digest = crypto.hmac_sha256(
            _index_key(master, self.model._meta.db_table, self.name), normalised.encode("utf-8")
        )
        return int.from_bytes(digest[:8], "big") >> (64 - self.bits)

    def index_of(self, value: str) -> int:
        """The index value a row holding `value` is written with.

        Under the next master while a blind-index rotation is under way,
        so that rows written meanwhile need no second pass. Raises if the
        value cannot be normalised, VaultLocked while locked.
        """
        current, following = keyring.blind_index_secrets()
        return self.index_under(following or current, value)

    def index_candidates(self, value: str) -> list[int]:
        """Every index value a row holding `value` may carry now: one, or two
        while a rotation is under way (rows not yet rebuilt keep the old).
        Look up with `__in`, then confirm by decrypting (`blind_index_filter`)."""
        current, following = keyring.blind_index_secrets()
        found = [self.index_under(current, value)]
        if following is not None:
            found.append(self.index_under(following, value))
        return sorted(set(found))

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        source_raw = model_instance.__dict__.get(self.source)
        if source_raw is None:
            return None
        if isinstance(source_raw, Sealed):  # unchanged since read: keep the index
            return model_instance.__dict__.get(self.attname)
        value = getattr(model_instance, self.source)
        if value in (None, ""):
            return None
        index = self.index_of(str(value))
        setattr(model_instance, self.attname, index)
        return index


def blind_index_filter(
    queryset: models.QuerySet[Any],
    index_field: str,
    value: str,
    *,
    unreadable: Callable[[DecryptionError], None] | None = None,
) -> list[Any]:
    """Rows whose source field equals `value` after normalisation.

    Filters on the index, then confirms each candidate by decrypting its
    source field (the index is truncated on purpose, so it collides). A
    candidate that fails to decrypt raises DecryptionError; with
    `unreadable`, it is handed to that callback instead (its `row` set)
    and left out, so that one altered row does not refuse every look-up
    its index value collides with. A candidate whose key was shredded on
    purpose is left out silently.
    """
    field = queryset.model._meta.get_field(index_field)
    if not isinstance(field, BlindIndexField):
        raise TypeError(f"{index_field} is not a BlindIndexField")
    wanted = field.normalize(value)
    candidates = queryset.filter(**{f"{index_field}__in": field.index_candidates(value)})
    found = []
    for row in candidates:
        try:
            source = getattr(row, field.source)
        except KeyShredded:
            if unreadable is None:
                raise
            continue
        except DecryptionError as exc:
            if unreadable is None:
                raise
            unreadable(exc)
            continue
        if source not in (None, "") and field.normalize(str(source)) == wanted:
            found.append(row)
    return found
