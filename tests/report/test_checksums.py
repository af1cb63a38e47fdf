"""The input files' checksums in result.json: computed beside the criteria on a thread of their own, or in place
on one core, the same either way."""

from __future__ import annotations

import pytest


def test_checksums_on_a_thread_are_those_computed_in_place(tmp_path, monkeypatch):
    """The input files' SHA-256 computed beside the criteria (two cores) are those computed where asked (one core);
    a file gone since it was read is raised where its checksum is asked for, as it was before."""
    from shnor import cores
    from shnor.report import build

    files = []
    for name, size in (("a.csv", 3 << 20), ("b.csv", 10), ("scales.csv", 0)):
        files.append(tmp_path / name)
        files[-1].write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
    request = build.IdentifyRequest(inputs=files[:2], scales=files[2])
    monkeypatch.setattr(cores, "usable", lambda: 2)
    beside = build._checksums(request)
    assert beside is not build._sha256
    assert [beside(path) for path in files] == [build._sha256(path) for path in files]
    assert beside(str(files[0])) == build._sha256(files[0])  # looked up by path, however it is given
    files[1].unlink()
    gone = build._checksums(request)
    with pytest.raises(FileNotFoundError):
        gone(files[0])
    monkeypatch.setattr(cores, "usable", lambda: 1)
    assert build._checksums(request) is build._sha256


def test_checksums_nobody_can_ask_for_stop_being_computed(tmp_path, monkeypatch):
    """``identify`` raised after the checksums' thread started (a wrong context file, say) and its error was dealt
    with: the thread stops at its next chunk instead of reading every input to its end."""
    import gc
    import hashlib
    import threading

    from shnor import cores
    from shnor.report import build

    hashed = []

    class Counting:
        def __init__(self) -> None:
            self.digest = hashlib.new("sha256")

        def update(self, data) -> None:
            hashed.append(len(data))
            self.digest.update(data)

        def hexdigest(self) -> str:
            return self.digest.hexdigest()

    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * (1 << 20))
    monkeypatch.setattr(cores, "usable", lambda: 2)
    monkeypatch.setattr(build, "_HASHED_AT_A_TIME", 1)  # a million chunks: seconds, were it read to the end
    monkeypatch.setattr(build.hashlib, "sha256", Counting)
    before = set(threading.enumerate())
    checksum = build._checksums(build.IdentifyRequest(inputs=[big]))
    thread = next(t for t in threading.enumerate() if t.name == "shnor-sha256" and t not in before)
    del checksum
    gc.collect()
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert sum(hashed) < big.stat().st_size
