"""Files the sensitivity runs write: tables as CSV or Parquet, streamed piece by piece and
replaced atomically, with their provenance beside them; and the map's points and curves."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from model.errors import UsageError
from model.io import atomic_path, atomic_write, dumps_json
from model.sensitivity.maps import OutcomeMap
from model.sensitivity.table import check_output


def encode_csv(df: pd.DataFrame, header: bool) -> bytes:
    """A frame as CSV bytes (with the header row only if asked), for :func:`write_pieces`."""
    return df.to_csv(header=header, index=False, lineterminator="\n").encode("utf-8")


def arrow_schema(df: pd.DataFrame) -> Any:
    """The Arrow schema every piece of one Parquet file is cast to (from its first frame)."""
    import pyarrow as pa

    return pa.Table.from_pandas(df, preserve_index=False).schema


def encode_arrow(df: pd.DataFrame, schema: Any) -> bytes:
    """A frame as an Arrow IPC stream cast to ``schema``, for :func:`write_pieces`."""
    import pyarrow as pa

    t = pa.Table.from_pandas(df, schema=schema, preserve_index=False)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, t.schema) as w:
        w.write_table(t)
    return bytes(sink.getvalue())


def write_pieces(path: str | Path, pieces: Iterable[bytes],
                 provenance: Mapping[str, Any]) -> None:
    """Write encoded pieces, in order, to ``path``: CSV bytes (:func:`encode_csv`, the first
    with its header) or Arrow streams (:func:`encode_arrow`) to a Parquet file, through a
    temporary file renamed into place at the end. The provenance goes to
    ``<path>.provenance.json`` and, for Parquet, into the file's metadata too."""
    target = check_output(path)
    with atomic_path(target) as tmp:
        if target.suffix.lower() == ".csv":
            with open(tmp, "wb") as fh:
                for piece in pieces:
                    fh.write(piece)
                fh.flush()
                os.fsync(fh.fileno())
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            writer = None
            try:
                for piece in pieces:
                    t = pa.ipc.open_stream(piece).read_all()
                    if writer is None:
                        meta = {b"leverage": dumps_json(provenance).encode()}
                        writer = pq.ParquetWriter(tmp, t.schema.with_metadata(meta))
                    writer.write_table(t.replace_schema_metadata(writer.schema.metadata))
            finally:
                if writer is not None:
                    writer.close()
    atomic_write(provenance_path(target), dumps_json(provenance, indent=2) + "\n")


def write_frames(path: str | Path, frames: Iterable[pd.DataFrame],
                 provenance: Mapping[str, Any]) -> None:
    """:func:`write_pieces` of frames encoded here, one after another."""
    target = check_output(path)
    csv = target.suffix.lower() == ".csv"

    def pieces() -> Iterator[bytes]:
        schema = None
        for k, df in enumerate(frames):
            if csv:
                yield encode_csv(df, header=k == 0)
                continue
            schema = schema if schema is not None else arrow_schema(df)
            yield encode_arrow(df, schema)

    write_pieces(target, pieces(), provenance)


def provenance_path(path: str | Path) -> Path:
    p = Path(path)
    return p.with_name(p.name + ".provenance.json")


# ---------------------------------------------------------------------------- drawing
def write_tables(omap: OutcomeMap, csv: str | Path) -> tuple[Path, Path]:
    """The points (:meth:`OutcomeMap.frame`) to ``csv`` with its provenance next to it
    (``<csv>.provenance.json``), and the curves (:meth:`OutcomeMap.curve_frame`) to
    ``<stem>.curves.csv``; all atomically. Returns the two tables' paths."""
    target = Path(csv)
    if target.suffix.lower() != ".csv":
        raise UsageError(f"--csv {target}: the file must end in .csv")
    curves = target.with_name(target.stem + ".curves.csv")
    write_frames(target, [omap.frame()], omap.provenance)
    from model.io import atomic_write

    atomic_write(curves, omap.curve_frame().to_csv(index=False, lineterminator="\n"))
    return target, curves
