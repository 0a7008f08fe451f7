"""`planner check` refuses files it cannot dispatch with a message naming the file and field."""

from api.cli import main


def test_check_unknown_kind_names_file_and_field(tmp_path, capsys):
    problem = tmp_path / "problem.json"
    problem.write_text('{"kind": "teleportation"}', encoding="utf-8")
    assert main(["check", str(problem), str(problem)]) == 2
    err = capsys.readouterr().err
    assert "problem.json" in err and "kind" in err and "Traceback" not in err


def test_check_invalid_json_and_missing_file(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["check", str(bad), str(bad)]) == 2
    assert "bad.json" in capsys.readouterr().err
    assert main(["check", str(tmp_path / "absent.json"), str(bad)]) == 2
    assert "absent.json" in capsys.readouterr().err
