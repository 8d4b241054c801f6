"""Downloaded archives are hostile input: nothing may land outside the folder."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile

from scanner.remote.archive import MAX_FILE_BYTES, unpack_tarball, unpack_zip
from tests.fakes.github import make_tarball


def _member(name, kind=tarfile.REGTYPE, size=0, linkname=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = size
    info.linkname = linkname
    return info


def test_a_tarball_cannot_escape_link_out_or_make_devices(tmp_path):
    dest = tmp_path / "out"
    dest.mkdir()
    data = make_tarball(
        "acme-orders-abc",
        {"README.md": "# hi\n"},
        extra=[
            _member("acme-orders-abc/../../escape.txt", size=3),
            _member("/etc/absolute.txt", size=3),
            _member("acme-orders-abc/link", tarfile.SYMTYPE, linkname="/etc/passwd"),
            _member("acme-orders-abc/hard", tarfile.LNKTYPE, linkname="../../x"),
            _member("acme-orders-abc/fifo", tarfile.FIFOTYPE),
            _member("acme-orders-abc/huge.bin", size=MAX_FILE_BYTES + 1),
        ],
    )

    result = unpack_tarball(io.BytesIO(data), str(dest))

    assert sorted(os.listdir(dest)) == ["README.md"]
    assert not (tmp_path / "escape.txt").exists()
    assert len(result.skipped) == 6


def test_a_zip_cannot_escape_or_lie_about_its_size(tmp_path):
    archive = tmp_path / "repo.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("README.md", "# hi\n")
        z.writestr("../escape.txt", "x")
        z.writestr("/abs.txt", "x")
        link = zipfile.ZipInfo("link")
        link.external_attr = 0o120777 << 16
        z.writestr(link, "/etc/passwd")
    dest = tmp_path / "out"
    dest.mkdir()

    result = unpack_zip(str(archive), str(dest))

    assert sorted(os.listdir(dest)) == ["README.md"]
    assert not (tmp_path / "escape.txt").exists()
    assert {why for _, why in result.skipped} >= {"path leaves the repository"}
