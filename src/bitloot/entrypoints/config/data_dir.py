"""The embedded data folder (`BITLOOT_DATA_DIR`): the SQLite database, the key folder and the generated
secrets. Only this process's user may read it: the folder is 0700 and its files 0600, and a folder
left wider by an older version or by hand is tightened, with a warning."""

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
_OTHERS = stat.S_IRWXG | stat.S_IRWXO


def secure_data_dir(data_dir: Path) -> None:
    """Create the folder 0700, or tighten it and the files and folders directly in it."""
    data_dir.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    tightened = [path.name or str(path) for path in (data_dir, *data_dir.iterdir()) if _tighten(path)]
    if tightened:
        log.warning(
            "the data folder %s was readable by other users; tightened %s to owner-only access",
            data_dir,
            ", ".join(sorted(tightened)),
        )


def _tighten(path: Path) -> bool:
    """Owner-only modes for a folder or a regular file; False when it was already so."""
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode) or not info.st_mode & _OTHERS:
        return False
    os.chmod(path, PRIVATE_DIR_MODE if stat.S_ISDIR(info.st_mode) else PRIVATE_FILE_MODE)
    return True
