"""Writing a released panel: data files (CSV, Stata, SPSS, Parquet), the codebook
(Markdown, HTML, JSON), the disclosure report, a README and the manifest of SHA-256
hashes, all into one zip.

Each file is written to a working directory one after the other and streamed into the zip
from disk (hashing on the way), so memory holds the frame and one file's buffers at most.
Labels are English (the statistical packages' reading of a release must not depend on the
language of the evaluator's session); the codebook gives codes and labels side by side.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pycountry
import pyreadstat
from flask_babel import force_locale

from mrc import spreadsheets
from mrc.panels import variables as V
from mrc.panels.build import PanelSpec
from mrc.privacy.kanonymity import SUPPRESSED, DisclosureReport

DATA_STEM = "panel"
SUPPRESSED_LABEL = "suppressed (disclosure control)"
MISSING_NOTE = ("Missing (empty in CSV, null in Parquet, system-missing '.' in Stata and "
                "SPSS): not observed (wave not reached), or not applicable (location and use "
                "of MRC information at the baseline, fields a comparison survey does not ask, "
                "whether a referral reached the service for a person not referred).")
SUPPRESSED_NOTE = (f"'{SUPPRESSED}' (code {V.SUPPRESSED_CODE} in Stata and SPSS, declared "
                   "user-missing in SPSS): the value was suppressed to reach k-anonymity.")
_CHUNK = 1 << 20


@dataclass
class ColumnInfo:
    """A released column as the codebook and the Stata/SPSS writers see it."""

    name: str
    label: str
    kind: str
    level: str
    description: str
    values: list[tuple[str, int, str]] = field(default_factory=list)  # text, code, label
    missing: int = 0
    suppressed: int = 0

    @property
    def codes(self) -> dict[str, int]:
        return {text: code for text, code, _ in self.values}


def _text(value: Any) -> str:
    with force_locale("en"):
        return str(value)


def _place_name(value: str) -> str | None:
    """Country (ISO 3166 alpha-2) or province (ISO 3166-2) name, if the code is known."""
    if len(value) == 2:
        country = pycountry.countries.get(alpha_2=value)
        return str(country.name) if country else None
    subdivision = pycountry.subdivisions.get(code=value)
    return str(subdivision.name) if subdivision else None


def _value_label(var: V.Variable, value: str) -> str:
    if value == SUPPRESSED:
        return SUPPRESSED_LABEL
    if value in var.values:
        return _text(var.values[value])
    if var.name in ("province", "nationality"):
        return _place_name(value) or value
    return value


def describe_columns(frame: pd.DataFrame) -> list[ColumnInfo]:
    """Codebook entries of every column of the released frame, from its data."""
    result = []
    for name in frame.columns:
        var = V.variable(name)
        series = frame[name]
        label = _text(var.label)
        wave = name.rpartition("_w")[2] if name != var.name else ""
        if wave:
            label = f"{label} (wave {wave})"
        info = ColumnInfo(name, label, var.kind, var.level, _text(var.description),
                          missing=int(series.isna().sum()))
        if var.kind in ("category", "binary"):
            if isinstance(series.dtype, pd.CategoricalDtype):
                present = [str(c) for c in series.cat.categories]
            else:
                present = sorted({str(int(v)) for v in series.dropna().unique()})
            if var.kind == "binary" or var.values:
                present = [*var.values, *[p for p in present if p not in var.values]]
            info.values = [(text, V.value_code(var, text, i), _value_label(var, text))
                           for i, text in enumerate(present)]
            info.suppressed = int((series.astype(object) == SUPPRESSED).sum())
        result.append(info)
    return result


def _category_codes(series: pd.Series, info: ColumnInfo) -> np.ndarray:
    """Codebook codes of a categorical column (mapped once per category), NaN if missing."""
    cats = [str(c) for c in series.cat.categories]
    lookup = np.array([info.codes.get(c, np.nan) for c in cats] + [np.nan], dtype=float)
    codes = series.cat.codes.to_numpy()
    mapped: np.ndarray = lookup[np.where(codes < 0, len(cats), codes)]
    return mapped


def coded_frame(frame: pd.DataFrame, columns: list[ColumnInfo]) -> pd.DataFrame:
    """The frame for Stata and SPSS: numbers (with value labels for categories), missing
    as NaN (system-missing), strings for the person id."""
    out: dict[str, Any] = {}
    for info in columns:
        series = frame[info.name]
        if isinstance(series.dtype, pd.CategoricalDtype):
            out[info.name] = _category_codes(series, info)
        elif info.kind in ("integer", "binary"):
            out[info.name] = series.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        else:
            out[info.name] = series.astype(object)
    return pd.DataFrame(out)


def _value_labels(columns: list[ColumnInfo]) -> dict[str, dict[int | float, str]]:
    return {c.name: {float(code): label for _, code, label in c.values}
            for c in columns if c.values}


def _formula_like(value: Any) -> bool:
    return isinstance(value, str) and spreadsheets.starts_like_formula(value)


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame for CSV: text cells a spreadsheet would run as formulas neutralised
    (:mod:`mrc.spreadsheets`), numbers and missing values untouched. Only CSV needs it:
    Stata, SPSS and Parquet files hold typed values, never formulas."""
    changed: dict[str, pd.Series] = {}
    for name in frame.columns:
        series = frame[name]
        if isinstance(series.dtype, pd.CategoricalDtype):
            risky = any(_formula_like(c) for c in series.cat.categories)
        elif series.dtype == object or isinstance(series.dtype, pd.StringDtype):
            risky = bool(series.map(_formula_like, na_action="ignore").any())
        else:
            continue
        if risky:
            changed[name] = series.map(spreadsheets.text_cell, na_action="ignore")
    return frame.assign(**changed) if changed else frame


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    spreadsheet_safe(frame).to_csv(path, index=False, encoding="utf-8", lineterminator="\n",
                                   chunksize=100_000)


def write_dta(frame: pd.DataFrame, columns: list[ColumnInfo], path: Path, title: str) -> None:
    pyreadstat.write_dta(coded_frame(frame, columns), str(path), file_label=title[:80],
                         column_labels={c.name: c.label[:80] for c in columns},
                         variable_value_labels=_value_labels(columns), version=15)


def write_sav(frame: pd.DataFrame, columns: list[ColumnInfo], path: Path, title: str) -> None:
    missing: dict[str, list[Any]] = {c.name: [float(V.SUPPRESSED_CODE)] for c in columns
                                     if c.suppressed}
    pyreadstat.write_sav(coded_frame(frame, columns), str(path), file_label=title[:64],
                         column_labels={c.name: c.label for c in columns},
                         variable_value_labels=_value_labels(columns),
                         missing_ranges=missing or None,
                         variable_measure={c.name: "nominal" if c.values else "scale"
                                           for c in columns if c.kind != "string"})


def write_parquet(frame: pd.DataFrame, columns: list[ColumnInfo], path: Path) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    fields = [table.schema.field(c.name).with_metadata({"label": c.label}) for c in columns]
    table = table.cast(pa.schema(fields, metadata=table.schema.metadata))
    pq.write_table(table, path, compression="zstd", row_group_size=250_000)


# --------------------------------------------------------------------------- codebook


def codebook(spec: PanelSpec, frame: pd.DataFrame, columns: list[ColumnInfo],
             report: DisclosureReport, files: list[str], generated: date) -> dict[str, Any]:
    """The machine-readable codebook (codebook.json)."""
    waves = [{"wave": 0, "label": "baseline (first counselling session or survey)"}]
    for w in sorted(spec.waves):
        days = spec.wave_days[w - 1] if 0 < w <= len(spec.wave_days) else None
        waves.append({"wave": w, "label": f"follow-up {w}"
                      + (f" (scheduled +{days} days)" if days else ""), "days": days})
    return {
        "study": {
            "name": spec.name,
            "generated": generated.isoformat(),
            "period": {"baseline_from": spec.period_start.isoformat(),
                       "baseline_to": spec.period_end.isoformat()},
            "sites": int(frame["site"].nunique()) if "site" in frame else 0,
            "shape": spec.shape,
            "date_mode": spec.date_mode,
            "waves": waves,
            "comparison_respondents": spec.include_comparison,
            "k": spec.k,
            "l_diversity": ({"variable": spec.l_variable, "l": spec.l_value}
                            if spec.l_variable and spec.l_value else None),
            "persons": report.persons_released,
            "rows": len(frame),
            "quasi_identifiers": [r.variable for r in report.recodings],
        },
        "files": files,
        "missing_values": {"missing": MISSING_NOTE, "suppressed": SUPPRESSED_NOTE},
        "variables": [
            {"name": c.name, "label": c.label, "type": c.kind, "level": c.level,
             "description": c.description,
             "quasi_identifier": c.name in {r.variable for r in report.recodings},
             "values": [{"value": t, "code": code, "label": lab} for t, code, lab in c.values],
             "missing": c.missing, "suppressed": c.suppressed}
            for c in columns
        ],
        "recodings": [{"variable": r.variable, "released_as": r.level_name,
                       "generalised": r.generalised} for r in report.recodings],
    }


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def codebook_markdown(book: dict[str, Any]) -> str:
    study = book["study"]
    lines = [f"# Codebook: {_md_escape(study['name'])}", "",
             f"- generated {study['generated']}; baselines from "
             f"{study['period']['baseline_from']} to {study['period']['baseline_to']}",
             f"- {study['persons']} persons, {study['rows']} rows, {study['shape']} shape, "
             f"{study['sites']} sites",
             "- waves: " + "; ".join(f"{w['wave']} = {w['label']}" for w in study["waves"]),
             f"- k-anonymity with k = {study['k']} over: "
             + ", ".join(f"`{q}`" for q in study["quasi_identifiers"]),
             "", "## Missing values", "",
             f"- {book['missing_values']['missing']}",
             f"- {book['missing_values']['suppressed']}", "", "## Variables", ""]
    for var in book["variables"]:
        lines += [f"### `{var['name']}`", "",
                  f"{_md_escape(var['label'])}. Type: {var['type']}; level: {var['level']}"
                  + ("; quasi-identifier" if var["quasi_identifier"] else "")
                  + f"; missing: {var['missing']}"
                  + (f"; suppressed: {var['suppressed']}" if var["suppressed"] else "") + ".",
                  ""]
        if var["description"]:
            lines += [_md_escape(var["description"]), ""]
        if var["values"]:
            lines += ["| value | code (.dta/.sav) | label |", "|---|---:|---|"]
            lines += [f"| `{v['value']}` | {v['code']} | {_md_escape(v['label'])} |"
                      for v in var["values"]]
            lines.append("")
    return "\n".join(lines) + "\n"


def markdown_html(title: str, markdown: str) -> str:
    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title></head><body>\n{body}</body></html>\n")


def readme(spec: PanelSpec, report: DisclosureReport, files: list[str]) -> str:
    lines = [f"# Panel: {spec.name}", "",
             "An anonymised longitudinal panel exported by MRC. Person ids are keyed "
             "pseudonyms of this study only: they cannot be linked to case records or to "
             "another study's panel. No names, client codes, phone numbers, notes or "
             "database ids are included.", "",
             "Files:", "", *[f"- `{name}`" for name in files],
             "- `manifest.json`, `SHA256SUMS`: SHA-256 of every other file "
             "(`sha256sum -c SHA256SUMS`)", "", report.to_markdown()]
    return "\n".join(lines)


# ------------------------------------------------------------------------------ bundle


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


StageTimer = Callable[[str], Any]


def write_data_files(frame: pd.DataFrame, spec: PanelSpec, columns: list[ColumnInfo],
                     directory: Path, stage: StageTimer | None = None) -> list[str]:
    """Write the selected data formats; returns the file names, in writing order."""
    names = []
    for fmt in V.FORMATS:
        if fmt not in spec.formats:
            continue
        name = f"{DATA_STEM}.{fmt}"
        path = directory / name
        with _stage(stage, fmt):
            if fmt == "csv":
                write_csv(frame, path)
            elif fmt == "dta":
                write_dta(frame, columns, path, spec.name)
            elif fmt == "sav":
                write_sav(frame, columns, path, spec.name)
            else:
                write_parquet(frame, columns, path)
        names.append(name)
    return names


class _NullStage:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _stage(stage: StageTimer | None, name: str) -> Any:
    return stage(name) if stage is not None else _NullStage()


def write_documents(frame: pd.DataFrame, spec: PanelSpec, columns: list[ColumnInfo],
                    report: DisclosureReport, data_files: list[str], directory: Path,
                    generated: date) -> list[str]:
    """Codebook (JSON, Markdown, HTML), disclosure report (Markdown, JSON) and README."""
    documents = ["codebook.json", "codebook.md", "codebook.html", "disclosure.md",
                 "disclosure.json", "README.md"]
    book = codebook(spec, frame, columns, report, [*data_files, *documents], generated)
    markdown = codebook_markdown(book)
    (directory / "codebook.json").write_text(json.dumps(book, indent=2, ensure_ascii=False),
                                             encoding="utf-8")
    (directory / "codebook.md").write_text(markdown, encoding="utf-8")
    (directory / "codebook.html").write_text(markdown_html(f"Codebook: {spec.name}", markdown),
                                             encoding="utf-8")
    (directory / "disclosure.md").write_text(report.to_markdown(), encoding="utf-8")
    (directory / "disclosure.json").write_text(report.to_json(indent=2), encoding="utf-8")
    (directory / "README.md").write_text(readme(spec, report, [*data_files, *documents]),
                                         encoding="utf-8")
    return documents


def write_zip(directory: Path, names: list[str], destination: Path, generated: date) -> str:
    """Hash every file, add the manifest and SHA256SUMS, and stream all into the zip.
    Returns the SHA-256 of the zip itself."""
    entries = [{"name": n, "bytes": (directory / n).stat().st_size,
                "sha256": sha256_file(directory / n)} for n in names]
    (directory / "manifest.json").write_text(
        json.dumps({"algorithm": "sha256", "files": entries}, indent=2), encoding="utf-8")
    (directory / "SHA256SUMS").write_text(
        "".join(f"{e['sha256']}  {e['name']}\n" for e in entries), encoding="utf-8")
    # Entries carry the release date, not the time of writing: reruns give the same
    # entry metadata. Level 1 deflate: most of the gain of compression at a third of the
    # time of the default level; Parquet is compressed inside already.
    stamp = datetime(generated.year, generated.month, generated.day, tzinfo=UTC).timestamp()
    with zipfile.ZipFile(destination, "w", allowZip64=True) as archive:
        for name in [*names, "manifest.json", "SHA256SUMS"]:
            path = directory / name
            os.utime(path, (stamp, stamp))
            parquet = name.endswith(".parquet")
            archive.write(path, arcname=name,
                          compress_type=zipfile.ZIP_STORED if parquet else zipfile.ZIP_DEFLATED,
                          compresslevel=None if parquet else 1)
    return sha256_file(destination)
