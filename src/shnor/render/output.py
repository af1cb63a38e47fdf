"""Output folders that behave the same on Windows and Linux.

- One run at a time per folder: a lock file beside it, ``.<folder>.lock`` (filelock: ``flock`` on Unix, where the
  file stays, hidden, because unlinking a flock file lets two runs in; ``LockFileEx`` on Windows, where it is removed
  after the run; a marker file where neither exists).
- Everything is written into a temporary sibling, then swapped into place with ``os.replace``, retried for a moment
  while an antivirus or OneDrive looks at a new file. A file held open by another program (Excel, Word) stops the run
  before anything is touched; either the swap completes or the old folder is back in place.
- Nothing in the folder that shnor did not write is deleted: such files stop the run unless ``force`` is given.
  What shnor wrote is known by name (``OUTPUT_FILES``): the names are fixed, so a folder of any earlier run is
  recognised without a manifest that could be lost or go stale.
"""

from __future__ import annotations

import errno
import glob
import os
import shutil
import stat
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from shnor.errors import UserError
from shnor.render import OUTPUT_FILES

# Seconds between attempts of a replace (about 1.5 s in all): an antivirus or a sync client lets go of a new file.
RETRY_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.8)
# Files that the system or an office program puts into any folder: never the user's work.
_SYSTEM_FILES = {".ds_store", "thumbs.db", "desktop.ini"}
_FOREIGN_SHOWN = 10
_WINDOWS = sys.platform == "win32"


class BusyError(UserError):
    """Another run holds the output folder; exit code 3."""


def lock_path(folder: Path) -> Path:
    return folder.parent / f".{folder.name}.lock"


@contextmanager
def output_lock(folder: Path, timeout: float) -> Iterator[None]:
    """One run at a time per output folder: an exclusive lock on a file beside it, waited for up to ``timeout`` s.

    Under the lock, what a run killed in the middle of a swap left is cleaned up (see ``_recover``)."""
    with warnings.catch_warnings():  # without fcntl filelock says, in English, that it uses a marker file
        warnings.filterwarnings("ignore", message=".*soft ?file ?lock", category=UserWarning)
        from filelock import FileLock, Timeout

        folder = folder.resolve()
        make_parent(folder)
        lock = FileLock(lock_path(folder))
        try:
            lock.acquire(timeout=max(timeout, 0.0), poll_interval=0.2)
        except Timeout:
            raise BusyError(
                f"папку «{folder}» занял другой запуск shnor, ожидание {timeout:g} с истекло.",
                hint="Дождитесь окончания того запуска или увеличьте --lock-timeout.",
            ) from None
        except OSError as error:
            raise UserError(
                f"не удалось записать в папку «{folder.parent}»: {why(error)}.",
                hint="Укажите в --out папку, в которую у вас есть право записи.",
            ) from None
    try:
        _recover(folder)
        yield
    finally:
        lock.release()


def make_parent(folder: Path) -> None:
    """The folder that --out goes into, made if missing; a file in the way or no right to write is the user's."""
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocking = next((p for p in (parent, *parent.parents) if p.exists() and not p.is_dir()), parent)
        raise UserError(
            f"папку результатов «{folder}» нельзя создать: «{blocking}» — файл, а не папка.",
            hint="Укажите в --out другой путь.",
        ) from None
    except OSError as error:
        raise UserError(
            f"не удалось создать папку «{parent}»: {why(error)}.", hint="Укажите в --out другой путь."
        ) from None


def check_output(folder: Path, force: bool = False) -> None:
    """Before anything is read and again before the swap: --out is a folder (or nothing yet), holds nothing that shnor
    did not write (unless ``force``), and no file in it is held open by another program."""
    folder = folder.resolve()
    if folder.exists() and not folder.is_dir():
        raise UserError(f"«{folder}» — файл, а не папка.", hint="Укажите в --out папку.")
    if not folder.is_dir():
        return
    foreign = [] if force else foreign_files(folder)
    if foreign:
        shown = ", ".join(f"«{name}»" for name in foreign[:_FOREIGN_SHOWN])
        more = f" и ещё {len(foreign) - _FOREIGN_SHOWN}" if len(foreign) > _FOREIGN_SHOWN else ""
        raise UserError(
            f"в папке «{folder}» есть то, что записал не shnor: {shown}{more}; папка заменяется целиком, и это было бы "
            "удалено.",
            hint="Перенесите эти файлы в другое место или укажите в --out другую папку; "
            "--force заменит папку вместе с ними.",
        )
    held = [p.name for p in _files(folder) if _is_held(p)]
    if held:
        raise _held_error(folder, held)


def foreign_files(folder: Path) -> list[str]:
    """What is in the folder that shnor did not write (a subfolder is named with a slash)."""
    foreign = []
    for path in sorted(folder.iterdir()):
        if path.is_dir():
            foreign.append(f"{path.name}/")
        elif not (path.name in OUTPUT_FILES or path.name.lower() in _SYSTEM_FILES or _owner_of(path.name)):
            foreign.append(path.name)
    return foreign


def write_atomically(
    folder: Path, write: Callable[[Path], list[Path]], *, force: bool = False, keep_others: bool = False
) -> list[Path]:
    """``write`` fills a temporary sibling folder, which then takes the place of ``folder``. ``keep_others``: shnor's
    files of the old folder that ``write`` did not write again are kept (documents rendered into their own folder)."""
    folder = folder.resolve()
    make_parent(folder)
    check_output(folder, force)
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
    except OSError as error:
        raise UserError(
            f"не удалось записать в папку «{folder.parent}»: {why(error)}.", hint="Укажите в --out другую папку."
        ) from None
    try:
        written = write(staging)
        if keep_others and folder.is_dir():
            for path in _files(folder):
                if path.name in OUTPUT_FILES and not (staging / path.name).exists():
                    shutil.copy2(path, staging / path.name)
        os.chmod(staging, 0o755)
        check_output(folder, force)  # a file saved or opened while the documents were being written
        _swap(staging, folder)
    except BaseException:
        _remove(staging)
        raise
    return [folder / path.relative_to(staging) for path in written]


def _swap(staging: Path, folder: Path) -> None:
    """The new folder in place of the old one: either both renames happen or the old folder is back."""
    if not folder.exists():
        try:
            replace(staging, folder)
        except OSError as error:
            raise UserError(f"не удалось записать папку «{folder}»: {why(error)}.") from None
        return
    retired_root = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old-", dir=folder.parent))
    retired = retired_root / folder.name
    try:
        replace(folder, retired)
    except OSError as error:
        retired_root.rmdir()
        raise _held_error(folder, [], error) from None
    try:
        replace(staging, folder)
    except OSError as error:
        try:
            replace(retired, folder)
        except OSError:
            raise UserError(
                f"новые результаты не записаны ({why(error)}), а прежние остались в папке «{retired}».",
                hint=f"Перенесите её на место «{folder}» и повторите запуск.",
            ) from None
        retired_root.rmdir()
        raise UserError(
            f"не удалось поставить новые результаты на место папки «{folder}» ({why(error)}); прежние результаты "
            "остались как были.",
            hint="Закройте файлы этой папки в других программах и повторите.",
        ) from None
    _remove(retired_root)


def replace(source: Path, target: Path) -> None:
    """``os.replace``, tried again for a moment while another program holds a file (Windows says PermissionError)."""
    for delay in (*RETRY_DELAYS, None):
        try:
            os.replace(source, target)
            return
        except PermissionError:
            if delay is None:
                raise
            time.sleep(delay)


def _held_error(folder: Path, held: list[str], error: OSError | None = None) -> UserError:
    """What to close. Word and Excel leave an owner file «~$…» beside a document they hold; on Windows a held file also
    cannot be opened for writing."""
    if not held and folder.is_dir():
        owned = {_owner_of(p.name) for p in _files(folder)} - {None}
        held = sorted(owned | {p.name for p in _files(folder) if _is_held(p)})
    if held:
        names = ", ".join(f"«{name}»" for name in held)
        which = "файл" if len(held) == 1 else "файлы"
        opened = "открыт" if len(held) == 1 else "открыты"
        return UserError(
            f"закройте {which} {names} ({opened} в другой программе) и повторите; папка «{folder}» не тронута."
        )
    if error is not None and not (_WINDOWS and isinstance(error, PermissionError)):
        return UserError(f"папку «{folder}» не удалось заменить: {why(error)}; она не тронута.")
    return UserError(
        f"папку «{folder}» держит другая программа (Excel, Word, Проводник, OneDrive или антивирус): закройте её "
        "файлы и окна с ней и повторите; папка не тронута."
    )


def _is_held(path: Path) -> bool:
    """On Windows a file that Excel or Word holds cannot be opened for writing; opening it changes nothing."""
    if not _WINDOWS:
        return False
    try:
        with path.open("r+b"):
            return False
    except PermissionError:
        return True
    except OSError:
        return False


def _owner_of(name: str) -> str | None:
    """The document that an office owner file speaks for: Excel's «~$indicators.xlsx», Word's «~$иложение к
    приказу.docx» (the first two letters replaced), LibreOffice's «.~lock.Карточки школ.docx#»."""
    if name.startswith("~$"):
        tail = name[2:]
    elif name.startswith(".~lock.") and name.endswith("#"):
        tail = name[len(".~lock."):-1]
    else:
        return None
    return next((ours for ours in sorted(OUTPUT_FILES) if ours.endswith(tail) and len(ours) - len(tail) <= 2), None)


def _files(folder: Path) -> list[Path]:
    return [p for p in sorted(folder.iterdir()) if p.is_file()]


def _recover(folder: Path) -> None:
    """Under the lock, what a run killed in the middle left: its temporary folders go; if the output folder is
    missing while the copy retired by a swap is there, the copy is put back."""
    prefix = glob.escape(f".{folder.name}.")
    for staging in folder.parent.glob(f"{prefix}tmp-*"):
        _remove(staging)
    retired = sorted(folder.parent.glob(f"{prefix}old-*/{glob.escape(folder.name)}"), key=lambda p: p.stat().st_mtime)
    if retired and not folder.exists():
        try:
            replace(retired[-1], folder)
        except OSError:
            return  # kept for the next run: nothing below may delete the only copy of the results
    for root in folder.parent.glob(f"{prefix}old-*"):
        _remove(root)


def _remove(path: Path) -> None:
    """A folder removed with what is in it, read-only files too (Windows refuses to delete those); what cannot be
    removed stays."""

    def writable_again(function, name, _) -> None:
        try:
            os.chmod(name, stat.S_IWRITE)
            function(name)
        except OSError:
            pass

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=writable_again)
    else:
        shutil.rmtree(path, onerror=writable_again)


_REASONS = {
    errno.EACCES: "нет прав доступа",
    errno.EPERM: "нет прав доступа",
    errno.EROFS: "диск только для чтения",
    errno.ENOSPC: "нет места на диске",
    errno.ENAMETOOLONG: "слишком длинный путь",
    errno.EINVAL: "недопустимое имя",
    errno.ENOENT: "путь не найден",
    errno.EISDIR: "это папка, а не файл",
    errno.ENOTDIR: "в пути файл вместо папки",
    errno.EEXIST: "в пути файл вместо папки",
}


def why(error: OSError) -> str:
    """An operating system's error in a few Russian words (Linux says them in English)."""
    return _REASONS.get(error.errno or 0) or (error.strerror or type(error).__name__).rstrip(".")
