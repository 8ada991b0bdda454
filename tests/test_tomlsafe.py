from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from econsec.errors import DataError
from econsec.tomlsafe import MAX_BYTES, MAX_DEPTH, load_toml


@pytest.mark.unit
@pytest.mark.parametrize(
    "body",
    [
        "x = " + "[" * 3000 + "]" * 3000 + "\n",
        "x = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n",
        "x = " + "[" * 3000 + "\n",  # deep and unterminated
        "x." + ".".join(["a"] * (MAX_DEPTH + 5)) + " = 1\n",  # dotted keys nest too
    ],
)
def test_absurd_nesting_is_a_one_line_error_naming_the_file(tmp_path: Path, body: str):
    f = tmp_path / "deep.toml"
    f.write_text(body)
    with pytest.raises(DataError) as e:
        load_toml(f, what="groups file")
    assert str(f) in str(e.value) and "nest" in str(e.value)
    assert "\n" not in str(e.value)


@pytest.mark.unit
def test_brackets_inside_strings_and_comments_do_not_count(tmp_path: Path):
    deep = "[" * 100
    text = f'a = "{deep}"\nb = \'{deep}\'\nc = """\n{deep}\n"""\n# {deep}\nd = [[1], [2]]\n'
    assert load_toml(text, what="spec")["d"] == [[1], [2]]


@pytest.mark.unit
def test_limits_and_errors_name_the_file(tmp_path: Path):
    big = tmp_path / "big.toml"
    big.write_text("x = 1\n" + "# pad\n" * (MAX_BYTES // 6 + 1))
    with pytest.raises(DataError, match="larger than 1 MB") as e:
        load_toml(big, what="groups file")
    assert str(big) in str(e.value)
    bad = tmp_path / "bad.toml"
    bad.write_text("a = 1\nb = \n")
    with pytest.raises(DataError) as e:
        load_toml(bad, what="groups file")
    assert e.value.line == 2 and str(bad) in str(e.value)
    with pytest.raises(DataError, match="not found"):
        load_toml(tmp_path / "none.toml", what="groups file")
    (tmp_path / "latin1.toml").write_bytes(b'a = "caf\xe9"\n')
    with pytest.raises(DataError, match="UTF-8"):
        load_toml(tmp_path / "latin1.toml", what="groups file")
    with pytest.raises(DataError, match="my spec"):
        load_toml("x = [" * 40, what="my spec")


@pytest.mark.property
@given(st.integers(min_value=1, max_value=MAX_DEPTH - 2))
def test_nesting_within_the_limit_parses(depth: int):
    doc = load_toml("x = " + "[" * depth + "1" + "]" * depth, what="t")
    v = doc["x"]
    for _ in range(depth):
        v = v[0]
    assert v == 1
