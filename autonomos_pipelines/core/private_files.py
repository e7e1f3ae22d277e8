"""Files that may hold tenants' data or error texts are their owner's alone.

dlt has no option for the modes of what it writes (pipeline state, traces, load packages, the
DuckDB file): it creates them with the process's umask. So a process that runs connectors
narrows its umask to owner-only (0o077: folders 0700, files 0600) before dlt writes anything,
and the data folders it uses are made 0700 even if an older version created them wider.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

OWNER_ONLY_UMASK = 0o077


def restrict_umask() -> None:
    """From now on this process creates files and folders that only its user can read;
    bits the current umask already withholds stay withheld."""
    current = os.umask(OWNER_ONLY_UMASK)
    os.umask(current | OWNER_ONLY_UMASK)


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) as 0700, or narrow an existing one to 0700."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        path.chmod(mode & 0o700)
    return path
