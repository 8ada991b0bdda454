from pathlib import Path

import pytest
from typer.testing import CliRunner

from econsec.cli.main import app
from econsec.errors import DataError
from econsec.reference import groups as g


@pytest.mark.unit
def test_user_groups_differing_only_in_case_are_an_error_naming_both(tmp_path: Path):
    f = tmp_path / "groups.toml"
    f.write_text('[groups.Foo]\nmembers = ["JPN"]\n\n[groups.FOO]\nmembers = ["KOR"]\n')
    with pytest.raises(DataError) as e:
        g.all_groups(extra=f)
    msg = str(e.value)
    assert str(f) in msg and "'Foo'" in msg and "'FOO'" in msg
    assert e.value.line == 4


@pytest.mark.unit
def test_a_user_group_named_like_a_builtin_in_another_case_names_both(tmp_path: Path):
    f = tmp_path / "groups.toml"
    f.write_text('[groups.Eu]\nmembers = ["JPN"]\n')
    with pytest.raises(DataError) as e:
        g.all_groups(extra=f)
    assert "'Eu'" in str(e.value) and "'EU'" in str(e.value) and str(f) in str(e.value)


@pytest.mark.unit
def test_a_deeply_nested_groups_file_is_a_one_line_cli_error(home: Path):
    (home / "groups.toml").write_text("[groups.X]\nmembers = " + "[" * 3000 + "]" * 3000 + "\n")
    r = CliRunner().invoke(app, ["groups", "list"])
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and "groups.toml" in lines[0] and "nests deeper" in lines[0]
