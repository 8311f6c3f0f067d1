"""Plaintext attributes over sealed columns (domain/pii.py), bound to the row's table, column and id.

- ``Sealed("name")``: a ``str`` attribute over the text column ``name_enc`` (personal data);
- ``SealedFile("document")`` / ``SealedFileOrNone("signed_document")``: a ``bytes`` (or ``bytes | None``)
  attribute over the binary column ``document_enc`` (uploaded files, generated PDFs).

Code reads and writes plaintext (``customer.name``, ``contract.document``) while the database holds only
AES-GCM ciphertext with the key id. A table model with sealed files accepts them as constructor keywords too
(``Contract(document=pdf, ...)``) through ``take_files`` / ``put_files`` in its ``__init__``: the row id must
be set (it is, by its default factory) before the file is sealed, and never change afterwards.
"""

from __future__ import annotations

from typing import Any, Generic, Self, TypeVar, overload

from domain import pii

T = TypeVar("T")


class _SealedView(property, Generic[T]):
    """A property typed ``T`` on instances (the view of a sealed column), itself on the class."""

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Self: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> Self | T:
        return super().__get__(obj, owner)

    def __set__(self, obj: object, value: T) -> None:
        super().__set__(obj, value)


class Sealed(_SealedView[str]):
    """A plaintext view of the sealed column ``<name>_enc``, bound to the row's table, column and id."""

    def __init__(self, column: str) -> None:
        self.column = column

        def read(row: Any) -> str:
            raw: str | None = getattr(row, f"{column}_enc")
            if not raw:
                return ""
            return pii.cipher().open(raw, table=row.__tablename__, column=column, row_id=row.id)

        def write(row: Any, value: str) -> None:
            sealed = pii.cipher().seal(value, table=row.__tablename__, column=column, row_id=row.id)
            setattr(row, f"{column}_enc", sealed)

        super().__init__(read, write)


def _read_file(row: Any, column: str) -> bytes | None:
    raw: bytes | None = getattr(row, f"{column}_enc")
    if not raw:  # not set yet
        return None
    return pii.cipher().open_bytes(bytes(raw), table=row.__tablename__, column=column, row_id=row.id)


def _write_file(row: Any, column: str, value: bytes | None) -> None:
    sealed = (
        None
        if value is None
        else pii.cipher().seal_bytes(value, table=row.__tablename__, column=column, row_id=row.id)
    )
    setattr(row, f"{column}_enc", sealed)


class SealedFile(_SealedView[bytes]):
    """A plaintext ``bytes`` view of the sealed binary column ``<name>_enc`` (never empty)."""

    def __init__(self, column: str) -> None:
        self.column = column
        super().__init__(
            lambda row: _read_file(row, column) or b"", lambda row, value: _write_file(row, column, value)
        )


class SealedFileOrNone(_SealedView[bytes | None]):
    """A plaintext ``bytes | None`` view of the nullable sealed binary column ``<name>_enc``."""

    def __init__(self, column: str) -> None:
        self.column = column
        super().__init__(
            lambda row: _read_file(row, column), lambda row, value: _write_file(row, column, value)
        )


def sealed_files(model: type) -> tuple[str, ...]:
    """The names of a model's sealed-file attributes."""
    return tuple(
        name
        for klass in model.__mro__
        for name, attr in vars(klass).items()
        if isinstance(attr, SealedFile | SealedFileOrNone)
    )


def take_files(model: type, data: dict[str, Any]) -> dict[str, Any]:
    """Remove the sealed-file keywords from constructor arguments (sealed once the row has its id)."""
    return {name: data.pop(name) for name in sealed_files(model) if name in data}


def put_files(row: object, files: dict[str, Any]) -> None:
    for name, value in files.items():
        setattr(row, name, value)
