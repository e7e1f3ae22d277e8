"""Keep a file connector inside its tenant's folder.

Checked twice: the text of a glob or folder when a spec or ``--endpoint`` is validated, and
every file a glob matched once the filesystem has resolved it (a symlink planted in the folder
can point anywhere; only the resolved path tells).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

MAX_PATTERN_LENGTH = 512
_SCHEME_OR_DRIVE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def check_relative_pattern(value: str) -> str:
    """A glob or folder relative to the tenant's folder; ValueError naming the rule if not."""
    if len(value) > MAX_PATTERN_LENGTH:
        raise ValueError(f"{value[:40]!r}…: longer than {MAX_PATTERN_LENGTH} characters")
    if any(ord(char) < 32 or char == "\x7f" for char in value):
        raise ValueError(f"{value!r}: control characters (NUL, newline, …) are not allowed")
    if "\\" in value:
        raise ValueError(f"{value!r}: backslashes are not allowed; separate folders with /")
    if value.startswith("/"):
        raise ValueError(
            f"{value!r}: absolute paths are not allowed; give a path relative to "
            "the tenant's folder"
        )
    if _SCHEME_OR_DRIVE.match(value):
        raise ValueError(
            f"{value!r}: URLs and drive letters are not allowed; give a path "
            "relative to the tenant's folder"
        )
    segments = value.split("/")
    if ".." in segments:
        raise ValueError(f"{value!r}: '..' segments would leave the tenant's folder")
    if any(segment.startswith("~") for segment in segments):
        raise ValueError(f"{value!r}: '~' (home folders) is not allowed")
    return value


def resolved_inside(path: Path, root: Path) -> bool:
    """Whether ``path``, with every symlink resolved, is ``root`` (resolved) or inside it."""
    real_root = Path(os.path.realpath(root))
    real_path = Path(os.path.realpath(path))
    return real_path == real_root or real_root in real_path.parents


def tenant_folder(tenant_root: Path, folder: str) -> Path:
    """The folder an ``--endpoint CONNECTOR=FOLDER`` names, inside the tenant's root (which may
    itself be a symlink the operator set up, e.g. to a mounted drop box). ValueError if the
    text or the resolved folder leaves the root."""
    candidate = Path(folder)
    if candidate.is_absolute():  # stored by an older version, or by a test: must still be inside
        if not resolved_inside(candidate, tenant_root):
            raise ValueError(
                f"{folder!r} is outside the tenant's folder {tenant_root}; move the files "
                "there, or make that folder a link to where they are"
            )
        return candidate
    check_relative_pattern(folder)
    path = tenant_root / folder
    if not resolved_inside(path, tenant_root):
        raise ValueError(
            f"{folder!r} resolves outside the tenant's folder {tenant_root} (a symlink?)"
        )
    return path
