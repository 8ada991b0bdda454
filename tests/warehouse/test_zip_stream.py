"""Zip members parsed as they are inflated: the same rows, digest and line count as extracted.

Blocks are made tiny here so that lines straddle many inflated blocks, and corrupt members
must fail with an error naming the file before anything reaches the warehouse.
"""

from __future__ import annotations

import hashlib
import struct
import zipfile
import zlib
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from ingest_helpers import COUNTRY_CSV, release_zip

from econsec.errors import DataError
from econsec.warehouse import plainread, zipfiles
from econsec.warehouse.csvscan import LineShape
from econsec.warehouse.fastpath import FastRules, copy_clean, stream_clean
from econsec.warehouse.ingest import ingest_baci
from econsec.warehouse.plainread import Tally, TextShape, data_lines, stream_plain
from econsec.warehouse.schema import MAX_LINE_BYTES
from econsec.warehouse.zipfiles import open_release_zip

COUNTRIES = [4, 156, 392, 490, 516, 842]
RULES = FastRules(2024, frozenset(COUNTRIES), None)


def _year_text(rows: int = 3000) -> str:
    """A plain, sorted yearly file of distinct flows (some products needing their zero)."""
    lines = ["t,i,j,k,v,q"]
    for n in range(rows):
        i, j = COUNTRIES[n // 600 % 6], COUNTRIES[n // 100 % 6]
        k = f"{20110 + n % 100 + (n // 100 % 6) * 1000}"  # 5 digits: padded to 6
        q = "" if n % 7 == 0 else f"{n % 13}.5"
        lines.append(f"2024,{i},{j},{k},{n * 1.25:.3f},{q}")
    return "\n".join(lines) + "\n"


def _products(text: str) -> str:
    """A product table holding every product of ``text``."""
    codes = sorted({f"{int(ln.split(',')[3]):06d}" for ln in text.splitlines()[1:]})
    return "code,description\n" + "".join(f"{c},x\n" for c in codes)


@pytest.fixture
def tiny_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inflate a few hundred bytes at a time and parse a few kB: lines straddle every end."""
    monkeypatch.setattr(zipfiles, "_IN", 101)
    monkeypatch.setattr(zipfiles, "_OUT", 997)
    monkeypatch.setattr(plainread, "BLOCK", 4096)


@pytest.mark.unit
def test_a_member_streamed_keeps_the_rows_of_its_extracted_copy(tmp_path, tiny_blocks):
    text = _year_text()
    z = release_zip(tmp_path / "z", {2024: text}, countries=COUNTRY_CSV)
    rz = open_release_zip(z)
    name = rz.years[2024]
    blocks = list(rz.member_blocks(name))
    assert len(blocks) > 50 and b"".join(blocks) == text.encode()
    # The digest and line count tallied on the way are those of the member's bytes.
    tally = Tally(sha256=True)
    for _ in data_lines(iter(blocks), tally, name):
        pass
    assert tally.complete and tally.hexdigest == hashlib.sha256(text.encode()).hexdigest()
    assert tally.shape.lines == text.count("\n") and tally.shape.plain
    seen: set[str] = set()
    streamed = stream_clean(rz.member_blocks(name), tmp_path / "a", "y", RULES, name, seen)
    src = tmp_path / "y.csv"
    src.write_text(text)
    copied = copy_clean(src, tmp_path / "b", "y", RULES)
    assert streamed is not None and streamed == copied and streamed["rows"] == 3000
    assert len(seen) == streamed["products"] and all(len(k) == 6 for k in seen)
    assert pq.ParquetFile(tmp_path / "a" / "year=2024" / "y.parquet").num_row_groups > 10
    a = pq.read_table(tmp_path / "a" / "year=2024" / "y.parquet")
    b = pq.read_table(tmp_path / "b" / "year=2024" / "y.parquet")
    assert a.equals(b)


@pytest.mark.unit
def test_zlib_inflates_the_same_bytes_as_isal(tmp_path, tiny_blocks, monkeypatch):
    text = _year_text(500)
    rz = open_release_zip(release_zip(tmp_path / "z", {2024: text}, countries=COUNTRY_CSV))
    fast = b"".join(rz.member_blocks(rz.years[2024]))
    monkeypatch.setattr(zipfiles, "_inflate", zlib)
    assert b"".join(rz.member_blocks(rz.years[2024])) == fast == text.encode()


@pytest.mark.unit
def test_a_streamed_release_equals_the_exact_scanners(tmp_path, tiny_blocks):
    text = _year_text()
    z = release_zip(tmp_path / "z", {2024: text}, countries=COUNTRY_CSV, products=_products(text))
    fast = ingest_baci(z, home=tmp_path / "fast")
    exact = ingest_baci(z, home=tmp_path / "exact", slow=True)
    assert fast.sha256 == exact.sha256 == hashlib.sha256(z.read_bytes()).hexdigest()
    assert fast.rows == exact.rows == 3000 and fast.rejects == exact.rejects == 0
    got = [pq.read_table(r.path / "year=2024").sort_by("k") for r in (fast, exact)]
    assert got[0].equals(got[1])


def _patch_central(path: Path, member: str, offset: int, value: bytes) -> None:
    """Overwrite bytes of a member's central directory entry (``offset`` from its start)."""
    data = bytearray(path.read_bytes())
    pos = 0
    while (pos := data.find(b"PK\x01\x02", pos)) >= 0:
        n = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46 : pos + 46 + n] == member.encode():
            data[pos + offset : pos + offset + len(value)] = value
        pos += 4
    path.write_bytes(bytes(data))


def _nothing_written(home: Path) -> None:
    assert not list(home.rglob("*.parquet")) and not list(home.rglob("meta.json"))
    assert not list(home.rglob(".staging-*"))


@pytest.mark.unit
def test_a_member_failing_its_crc_is_refused_after_its_last_block(tmp_path, tiny_blocks):
    text = _year_text()  # clean: only the CRC stops it
    z = release_zip(tmp_path / "z", {2024: text}, countries=COUNTRY_CSV, products=_products(text))
    name = open_release_zip(z).years[2024]
    with zipfile.ZipFile(z) as zf:
        crc = zf.getinfo(name).CRC
    _patch_central(z, name, 16, struct.pack("<I", crc ^ 1))
    home = tmp_path / "home"
    with pytest.raises(DataError, match="CRC-32") as e:
        ingest_baci(z, home=home)
    assert name in str(e.value) and z.name in str(e.value)
    _nothing_written(home)


@pytest.mark.unit
def test_a_corrupt_or_truncated_member_names_the_file_and_writes_nothing(tmp_path, tiny_blocks):
    z = release_zip(tmp_path / "z", {2024: _year_text()}, countries=COUNTRY_CSV)
    rz = open_release_zip(z)
    name = rz.years[2024]
    info = rz.zip.getinfo(name)
    start = info.header_offset + 30 + len(name.encode())
    data = bytearray(z.read_bytes())
    bad = tmp_path / "bad" / z.name
    bad.parent.mkdir()
    for n in range(start + 200, start + info.compress_size - 50):  # garbage mid-stream
        data[n] = 0xFF
    bad.write_bytes(bytes(data))
    home = tmp_path / "home"
    with pytest.raises(DataError, match="corrupt or truncated") as e:
        ingest_baci(bad, home=home)
    assert f"{bad}:{name}" in str(e.value)
    _nothing_written(home)
    # A member listed shorter than its data: the stream ends before its last block.
    short = tmp_path / "short" / z.name
    short.parent.mkdir()
    short.write_bytes(z.read_bytes())
    _patch_central(short, name, 20, struct.pack("<I", info.compress_size // 2))
    with pytest.raises(DataError, match="corrupt or truncated") as e:
        ingest_baci(short, home=home)
    assert f"{short}:{name}" in str(e.value)
    _nothing_written(home)


@pytest.mark.unit
def test_text_shape_counts_lines_like_line_shape_across_any_blocks():
    text = b"t,i,j,k,v,q\n" + b"".join(b"1" * n + b"\n" for n in (0, 5, 4095, 4096, 9000, 40))
    for cut in (1, 7, 4096, 5000, 9000, len(text) - 3):
        fast, exact = TextShape(), LineShape()
        for block in (text[:cut], text[cut:], b"12"):
            fast.add(block)
            exact.add(block)
        assert (fast.lines, fast.newlines) == (exact.lines, exact.newlines)
        assert fast.longest == exact.longest == 9000  # over twice the window: exact


@pytest.mark.unit
def test_an_overlong_line_stops_the_typed_read_before_it_is_held_whole(tmp_path):
    long = b"1" * (3 * MAX_LINE_BYTES)
    text = b"t,i,j,k,v,q\n2024,4,156,850511,1," + long + b"\n2024,4,392,850511,1,\n"
    size = 1 << 16
    read: list[int] = []

    def blocks():
        for at in range(0, len(text), size):
            read.append(at)
            yield text[at : at + size]

    tally = Tally()
    assert stream_plain(blocks(), tmp_path / "t.parquet", 2024, tally, "y.csv") is None
    assert not tally.complete and len(read) * size < 2 * MAX_LINE_BYTES


@pytest.mark.unit
def test_the_zip_is_hashed_whole_whatever_its_members_reads_skip(tmp_path, tiny_blocks):
    text = _year_text(800)
    quoted = text.replace("\n2024,4,", '\n"2024",4,')  # not plain: read again, extracted
    z = release_zip(
        tmp_path / "z",
        {2023: quoted.replace("2024", "2023"), 2024: text},
        countries=COUNTRY_CSV,
        products=_products(text),
    )
    rep = ingest_baci(z, home=tmp_path / "home")
    assert rep.sha256 == hashlib.sha256(z.read_bytes()).hexdigest()
    assert rep.rows == 1600 and rep.rejects == 0
    rz = open_release_zip(z)
    rz.digest = zipfiles.ZipDigest(z)
    for name in reversed(list(rz.years.values())):  # out of file order
        for _ in rz.member_blocks(name):
            pass
    assert rz.digest.hexdigest() == rep.sha256


@pytest.mark.unit
@pytest.mark.parametrize("block", [1, 64, 1000, 1 << 20])
@pytest.mark.parametrize("read", [1, 7, 333, 1 << 16])
def test_data_lines_hand_on_every_data_byte_once_in_whole_lines(monkeypatch, block, read):
    monkeypatch.setattr(plainread, "BLOCK", block)
    text = _year_text(300).encode() + b"2024,4,8,850511,1,2"  # last line without its end
    body = text[text.index(b"\n") + 1 :]
    tally = Tally(sha256=True)
    raw = (text[at : at + read] for at in range(0, len(text), read))
    pieces = [bytes(p) for p in data_lines(raw, tally, "y.csv")]
    assert b"".join(pieces) == body and all(p.endswith(b"\n") for p in pieces[:-1])
    assert tally.complete and tally.hexdigest == hashlib.sha256(text).hexdigest()
    assert tally.shape.lines == text.count(b"\n") + 1
