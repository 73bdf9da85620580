"""Converting old Office files (.doc → .docx) with LibreOffice in headless mode, when it is installed.

Each conversion runs in a temporary directory deleted afterwards, with a private LibreOffice profile
there (so conversions never share or lock a profile, and nothing of the user's is read), no
network where the system allows it (`unshare -rn`: a new network namespace with only a down
loopback, so a document's linked images or fields fetch nothing; without user namespaces it runs
as is, with no proxy settings), no macros (headless conversion runs none; a fresh profile keeps the default "high"
macro security) and a timeout below the web worker's (gunicorn.conf.py: 30 s): when it expires the
whole process group LibreOffice started is killed. The binary is $SOFFICE_PATH, else `soffice` or
`libreoffice` on PATH.
"""
import os
import shutil
import signal
import subprocess
import tempfile
from contextlib import suppress
from functools import cache
from pathlib import Path

from .files import MAX_FILE_BYTES

CONVERT_TIMEOUT = 20  # seconds: a 20 MB .doc converts in a few; the request must end before 30 s
_KEPT_ENV = ("PATH", "LANG", "LC_ALL", "TZ")


class ConversionFailed(Exception):
    """LibreOffice ended without a converted file, or ran past the timeout (`timed_out`)."""

    def __init__(self, detail: str, timed_out: bool = False):
        super().__init__(detail)
        self.timed_out = timed_out


def soffice_path() -> str | None:
    configured = os.environ.get("SOFFICE_PATH")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(data: bytes, source_suffix: str, target: str, timeout: float | None = None) -> bytes:
    """`data` (a file ending in `source_suffix`, e.g. ".doc") converted to `target` ("docx", "doc", "xls")."""
    binary = soffice_path()
    if binary is None:
        raise ConversionFailed("LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory(prefix="office-convert-") as workdir:
        work = Path(workdir)
        source = work / f"input{source_suffix}"
        source.write_bytes(data)
        outdir = work / "out"
        command = [
            binary, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--invisible",
            "--nologo", "--norestore", "--nolockcheck", "--nodefault",
            "--convert-to", target, "--outdir", str(outdir), str(source),
        ]
        environment = {name: os.environ[name] for name in _KEPT_ENV if name in os.environ}
        environment["HOME"] = workdir  # anything LibreOffice writes outside the profile stays here too
        _run(_without_network() + command, environment, CONVERT_TIMEOUT if timeout is None else timeout, cwd=workdir)
        produced = outdir / f"input.{target}"
        if not produced.is_file():
            raise ConversionFailed("LibreOffice produced no file")
        if produced.stat().st_size > MAX_FILE_BYTES * 5:
            raise ConversionFailed("converted file too large")
        return produced.read_bytes()


@cache
def _without_network() -> list[str]:
    """The prefix that cuts LibreOffice off the network, if this system lets us (probed once)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return []
    try:
        probe = subprocess.run([unshare, "-rn", "true"], capture_output=True, timeout=5, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [unshare, "-rn", "--"] if probe.returncode == 0 else []


def _run(command: list[str], environment: dict, timeout: float, cwd: str) -> None:
    # A session of its own: soffice is a script that starts oosplash and soffice.bin, and a timeout
    # must end all of them, not only the script.
    process = subprocess.Popen(command, cwd=cwd, env=environment, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise ConversionFailed(f"LibreOffice ran past {timeout} s", timed_out=True) from exc
    finally:
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
