"""Leaderboard columns: each CSV field comes from exactly one column, and the page's table has a header per column."""

from benchmark.leaderboard.columns import COLUMNS, CSV_FIELDS, TABLE


def test_every_csv_field_is_filled_by_exactly_one_column():
    filled = [field for column in COLUMNS for field in column.fields]
    assert sorted(filled) == sorted(CSV_FIELDS) and len(set(filled)) == len(filled)


def test_the_table_shows_every_column_with_a_header_and_a_cell():
    assert all(column.header and column.cell and column.align in ("---", "---:") for column in TABLE)
    assert [column.header for column in TABLE][:4] == ["#", "Model", "Weights", "Test accuracy [95% CI]"]
