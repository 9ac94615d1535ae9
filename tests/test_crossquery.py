"""The checks across records asked of the kept rows (`registers/crossquery.py`) find exactly
what they find walking every entry: folders drawn with NIKs that do or do not say the birth
date and sex, services before birth, exact repeats (within a file and across files of one kind
with the same or other columns, 'None' against an empty cell, 120 against 120.0), the same
person twice (merged or in conflict), pregnancies and their visits, and now and then a JSON
Lines file that makes a kind loose — read through DuckDB with its kept rows, and through the
Python readers alone (every check on every entry), the same entries, problems and records."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spm_rules.registers import crossquery, readers

from .test_read_duckdb import _both, _same
from .test_read_fast import CONTRACT

# (the last: its NIK's year 25 says 2025, not 1925)
BIRTHS = [dt.date(*d) for d in ((1985, 3, 12), (2001, 11, 2), (2018, 2, 28), (1999, 12, 31), (1925, 6, 15))]
DAYS = [
    dt.date(1985, 3, 11),
    dt.date(1999, 12, 30),
    dt.date(2018, 2, 27),
    dt.date(2018, 3, 1),
    dt.date(2019, 1, 5),
]


def nik(born: dt.date, sex: str, serial: int, wrong: str) -> str:
    """A NIK saying `born` and `sex`, or (`wrong`) another day, the other sex, a date that is
    not one, or no NIK at all."""
    day = born.day + (40 if sex == "P" else 0)
    if wrong == "day":
        day = day % 40 + 1 if sex == "L" else day - 1 if born.day > 1 else day + 1
    elif wrong == "sex":
        day = born.day + (0 if sex == "P" else 40)
    elif wrong == "date":
        day = 32
    elif wrong == "none":
        return ""
    return f"327501{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


@st.composite
def folders(draw):
    persons = []
    for serial in range(1, draw(st.integers(1, 4)) + 1):
        born, sex = draw(st.sampled_from(BIRTHS)), draw(st.sampled_from("LP"))
        wrong = draw(st.sampled_from(["", "", "day", "sex", "date", "none"]))
        persons.append((nik(born, sex, serial, wrong), sex, born, f"L{serial}"))
    people = []
    for n, sex, born, local in persons:
        row = [n, f"Nama {local}", sex, born.isoformat(), "Puskesmas 01", local]
        people.append(row)
        again = draw(st.sampled_from(["", "", "copy", "conflict", "merge", "no birth", "other birth"]))
        if again == "copy":
            people.append(list(row))
        elif again == "conflict":
            people.append([n, f"Lain {local}", sex, born.isoformat(), "Puskesmas 01", local])
        elif again == "merge":
            people.append([n, "", sex, born.isoformat(), "", local])
        elif again == "other birth":  # one NIK, two birth dates: the first row's counts
            people.append(
                [n, f"Nama {local}", sex, draw(st.sampled_from(BIRTHS)).isoformat(), "Puskesmas 01", local]
            )
        elif again == "no birth":
            people.append([n, f"Nama {local}", sex, "", "Puskesmas 01", local])
    people = draw(st.permutations(people))
    service = st.tuples(
        st.sampled_from(persons),
        st.sampled_from(DAYS),
        st.sampled_from(["", "dokter"]),
        st.sampled_from(["", "120", "120.0"]),
    )
    # a free text (the local number) empty, as the person's, or written `None`
    visits = [
        [
            p[0],
            draw(st.sampled_from([p[3], "", "None"])) if p[0] else p[3],
            day.isoformat(),
            "Puskesmas 01",
            who,
            s,
        ]
        for p, day, who, s in draw(st.lists(service, max_size=8))
    ]
    visits += draw(st.lists(st.sampled_from(visits), max_size=3)) if visits else []
    other = draw(st.lists(service, max_size=4))
    other_columns = draw(st.sampled_from(["same", "fewer"]))
    pregnancies = [
        [p[0], p[3], f"KH-{i}", draw(st.sampled_from(DAYS)).isoformat(), "Puskesmas 01"]
        for i, p in enumerate(draw(st.lists(st.sampled_from(persons), max_size=3)))
    ]
    anc = [
        [p[0], draw(st.sampled_from(["", *(r[2] for r in pregnancies)])), day.isoformat(), "Puskesmas 01"]
        for p, day, _who, _s in draw(st.lists(service, max_size=4))
    ]
    deliveries = (
        [
            [p[0], p[3], r[2], draw(st.sampled_from(DAYS)).isoformat(), "Puskesmas 01"]
            for p, r in draw(
                st.lists(st.tuples(st.sampled_from(persons), st.sampled_from(pregnancies)), max_size=3)
            )
        ]
        if pregnancies
        else []
    )
    loose = draw(st.sampled_from([None, None, "penduduk", "kunjungan_ptm"]))
    # the second folder's files shown after the first's (`lain/…`) or before (`a_lain/…`)
    return people, visits, other, other_columns, pregnancies, anc, loose, deliveries, draw(st.booleans())


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")


def _write(tmp: Path, drawn) -> tuple[Path, Path]:
    people, visits, other, other_columns, pregnancies, anc, loose, deliveries, before = drawn
    folder, also = tmp / "data", tmp / ("a_lain" if before else "lain")
    folder.mkdir()
    also.mkdir()
    _csv(
        folder / "penduduk.csv",
        ["nik", "nama", "jenis_kelamin", "tanggal_lahir", "fasilitas", "id_lokal"],
        people,
    )
    ptm = ["nik", "id_lokal", "tanggal", "fasilitas", "petugas", "sistolik"]
    _csv(folder / "kunjungan_ptm.csv", ptm, visits)
    rows = [[p[0], p[3], day.isoformat(), "Puskesmas 01", who, s] for p, day, who, s in other]
    if other_columns == "fewer":
        _csv(also / "kunjungan_ptm.csv", ptm[:4] + ptm[5:], [r[:4] + r[5:] for r in rows])
    else:
        _csv(also / "kunjungan_ptm.csv", ptm, rows)
    _csv(folder / "kehamilan.csv", ["nik", "id_lokal", "id_kehamilan", "hpht", "fasilitas"], pregnancies)
    _csv(folder / "persalinan.csv", ["nik", "id_lokal", "id_kehamilan", "tanggal", "fasilitas"], deliveries)
    _csv(folder / "kunjungan_anc.csv", ["nik", "id_kehamilan", "tanggal", "fasilitas"], anc)
    if loose == "penduduk":
        row = dict(
            zip(
                ["nik", "nama", "jenis_kelamin", "tanggal_lahir", "fasilitas", "id_lokal"],
                people[0],
                strict=True,
            )
        )
        (also / "penduduk.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    elif loose == "kunjungan_ptm" and visits:
        (also / "kunjungan_ptm.jsonl").write_text(
            json.dumps(dict(zip(ptm, visits[0], strict=True))) + "\n", encoding="utf-8"
        )
    return folder, also


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(folders())
def test_the_checks_find_what_they_find_on_every_entry(tmp_path_factory, drawn):
    folder, also = _write(tmp_path_factory.mktemp("x"), drawn)
    fast, python, taken = _both(folder, also=(also,))
    assert taken == 6
    _same(fast, python)
    # each kind's records in date order, then file and line (the `RecordRef` order)
    for kind, records in fast.records.items():
        day = CONTRACT.kinds[kind].date_field
        if day:
            assert records == sorted(records, key=lambda r, d=day: (r.get(d) or dt.date.min, r.ref))


def test_the_kept_rows_narrow_the_checks(tmp_path):
    """On a folder of kept rows the checks see only the entries the queries give: a repeat
    and its first, a service before birth and its person's rows, a NIK that does not say the
    birth date — not every entry; nothing for the checks of episodes, links and the same
    subject, which have nothing to find here."""
    drawn = (
        [
            [nik(BIRTHS[0], "L", 1, ""), "A", "L", BIRTHS[0].isoformat(), "Puskesmas 01", "L1"],
            [nik(BIRTHS[2], "P", 2, "day"), "B", "P", BIRTHS[2].isoformat(), "Puskesmas 01", "L2"],
            [nik(BIRTHS[1], "L", 3, ""), "C", "L", BIRTHS[1].isoformat(), "Puskesmas 01", "L3"],
        ],
        [
            [nik(BIRTHS[2], "P", 2, "day"), "L2", "2018-02-27", "Puskesmas 01", "", "120"],
            [nik(BIRTHS[0], "L", 1, ""), "L1", "2019-01-05", "Puskesmas 01", "", "120"],
            [nik(BIRTHS[0], "L", 1, ""), "L1", "2019-01-05", "Puskesmas 01", "", "120"],
            [nik(BIRTHS[0], "L", 1, ""), "L1", "2019-01-06", "Puskesmas 01", "", "120"],
        ],
        [],
        "same",
        [],
        [],
        None,
        [],
        False,
    )
    folder, also = _write(tmp_path, drawn)
    seen: dict[str, int] = {}
    real = crossquery.narrowed

    def spy(check, entries, positions, *args):
        seen[check.__name__] = len(entries) if positions is None else len(positions)
        return real(check, entries, positions, *args)

    with mock.patch.object(crossquery, "narrowed", spy):
        fast = readers.read_folder(folder, also=(also,), today=dt.date(2026, 1, 1))
    # the person born 2018-02-28 and her service of the day before; the repeat and its first
    assert seen == {
        "reject_before_birth": 2,
        "mark_duplicates": 2,
        "merge_episodes": 0,
        "_relink": 0,
        "link_to_episode": 0,
        "merge_same_subject": 0,
    }
    assert [p.reason.code for p in fast.problems if p.reason.code.startswith("cross.")] == [
        "cross.nik_birth",
        "cross.before_birth",
        "cross.duplicate",
    ]
    fast_, python, _taken = _both(folder, also=(also,))
    _same(fast_, python)


def _folder(tmp: Path, people: list[list[str]], visits: list[list[str]], other=()) -> tuple[Path, Path]:
    return _write(tmp, (people, visits, list(other), "same", [], [], None, [], False))


def test_a_person_with_two_birth_dates(tmp_path):
    """The first row's birth date is the one services are held against (not the earliest)."""
    n = nik(BIRTHS[2], "P", 1, "")
    people = [
        [n, "A", "P", "2018-02-28", "Puskesmas 01", "L1"],
        [n, "A", "P", "1985-03-12", "Puskesmas 01", "L1"],
    ]
    visits = [
        [n, "L1", "1999-12-30", "Puskesmas 01", "", "120"],
        [n, "L1", "2019-01-05", "Puskesmas 01", "", ""],
    ]
    fast, python, _taken = _both(*_folder(tmp_path, people, visits)[:1], also=(tmp_path / "lain",))
    _same(fast, python)
    assert [p.reason.code for p in fast.problems if p.line == 2 and "kunjungan_ptm" in p.file] == [
        "cross.before_birth"
    ]


def test_none_as_a_text_repeats_an_empty_cell(tmp_path):
    """The duplicate key is each value's text, and an empty cell's is 'None': a row whose
    local number is written `None` repeats the same row with it left empty (as the checks
    have always counted it)."""
    n = nik(BIRTHS[0], "L", 1, "")
    people = [[n, "A", "L", BIRTHS[0].isoformat(), "Puskesmas 01", "L1"]]
    visits = [
        [n, "", "2019-01-05", "Puskesmas 01", "", "120"],
        [n, "None", "2019-01-05", "Puskesmas 01", "", "120"],
    ]
    fast, python, _taken = _both(*_folder(tmp_path, people, visits)[:1], also=(tmp_path / "lain",))
    _same(fast, python)
    assert [e.fate.value for e in fast.entries if e.ref.file.endswith("data/kunjungan_ptm.csv")] == [
        "record",
        "duplicate",
    ]


def test_a_delivery_relinked_to_a_merged_pregnancy_meets_the_other_delivery(tmp_path):
    """One pregnancy under two numbers (KH-1 at the Puskesmas, KH-2 at the midwife, HPHT three
    days apart) is merged; the delivery recorded under KH-2 then names KH-1 — the same
    subject as the delivery recorded under KH-1, which the kept rows alone (KH-1 once, KH-2
    once) would not show: the changed record's key is asked too."""
    n = nik(BIRTHS[0], "P", 1, "")
    people = [[n, "A", "P", BIRTHS[0].isoformat(), "Puskesmas 01", "L1"]]
    drawn = (
        people,
        [],
        [],
        "same",
        [[n, "L1", "KH-1", "2018-02-27", "Puskesmas 01"], [n, "L1", "KH-2", "2018-03-01", "Bidan 02"]],
        [],
        None,
        [[n, "L1", "KH-1", "2018-12-01", "Puskesmas 01"], [n, "L1", "KH-2", "2018-12-01", "Bidan 02"]],
        False,
    )
    folder, also = _write(tmp_path, drawn)
    fast, python, _taken = _both(folder, also=(also,))
    _same(fast, python)
    codes = [p.reason.code for p in fast.problems if p.reason.code.startswith("cross.")]
    assert codes == ["cross.same_episode_merged", "cross.same_subject_conflict"]


def test_an_export_read_twice_is_walked_whole(tmp_path):
    """Every row of the second copy repeats one of the first: more candidates than a quarter
    of the entries, so the repeats are found by walking every entry (finding each would cost
    more) — the same register either way."""
    n = nik(BIRTHS[0], "L", 1, "")
    people = [[n, "A", "L", BIRTHS[0].isoformat(), "Puskesmas 01", "L1"]]
    days = [d for d in DAYS if d >= BIRTHS[0]]
    visits = [[n, "L1", day.isoformat(), "Puskesmas 01", "", "120"] for day in days]
    folder, also = _folder(
        tmp_path, people, visits, [((n, "L", BIRTHS[0], "L1"), d, "", "120") for d in days]
    )
    seen: dict[str, int | None] = {}
    real = crossquery.narrowed

    def spy(check, entries, positions, *args):
        seen[check.__name__] = None if positions is None else len(positions)
        return real(check, entries, positions, *args)

    with mock.patch.object(crossquery, "narrowed", spy), mock.patch.object(crossquery, "WALK_MIN", 0):
        fast = readers.read_folder(folder, also=(also,), today=dt.date(2026, 1, 1))
    assert seen["mark_duplicates"] is None
    assert sum(e.fate.value == "duplicate" for e in fast.entries) == len(days) > 1
    fast_, python, _taken = _both(folder, also=(also,))
    _same(fast_, python)
