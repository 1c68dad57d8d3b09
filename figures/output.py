"""Writing a figure: ``NAME.png`` (150 dpi), ``NAME.pdf``, its data ``NAME.parquet`` and caption ``NAME.md``.

The four files of a figure are written under temporary names and renamed only when all four
are complete: a figure that fails or is interrupted while it is computed or written leaves its
previous files (or none) and no temporary file. The renames themselves are four steps; an
interruption in that instant can leave new files beside old ones, which the creation time in
each caption and data file tells apart. The parquet file carries the figure's parameters, caption and provenance in its schema
metadata (key ``popdyn``), so the data file alone says what it holds.
"""

import json
import os
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from popdyn.files import utc_now
from popdyn.results import json_safe
from popdyn.provenance import provenance

from ._style import DPI, png_bytes, style

SUFFIXES = ("png", "pdf", "parquet", "md")


def _markdown(data, command, record):
    p = record["provenance"]
    lines = [f"# {data.name}", "", data.caption, "", "## Regenerate", "", "```bash", command, "```", "",
             "## Parameters", "", "| parameter | value |", "|---|---|"]
    lines += [f"| {k} | {json.dumps(json_safe(v))} |" for k, v in data.parameters.items()]
    lines += ["", f"Data: `{data.name}.parquet` ({len(data.frame)} rows; columns "
              f"{', '.join(f'`{c}`' for c in data.frame.columns)}).", "",
              f"popdyn {p['popdyn']}, commit `{p['git_commit']}`, computed in {record['compute_s']:.1f} s on "
              f"{record['created']}.", ""]
    return "\n".join(lines)


def write_figure(module, out, scale="quick", seed=1, command=""):
    """Compute, draw and write one figure module into the directory ``out``; returns the paths written.

    Parameters
    ----------
    module : a figure module of ``popdyn.figures.FIGURES``
    out : path
        An existing, writable directory.
    scale : {"tiny", "quick", "paper"}
    seed : int
    command : str
        The command that regenerates the figure, quoted in its caption file.
    """
    out = Path(out)
    t0 = time.perf_counter()
    data = module.compute(scale=scale, seed=seed)
    compute_s = time.perf_counter() - t0
    record = {"figure": data.name, "parameters": data.parameters, "caption": data.caption, "command": command,
              "scale": scale, "seed": seed, "compute_s": compute_s, "created": utc_now(), "provenance": provenance()}
    table = pa.Table.from_pandas(data.frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           b"popdyn": json.dumps(json_safe(record)).encode()})
    temporary = {suffix: out / f".{data.name}.{suffix}.tmp{os.getpid()}" for suffix in SUFFIXES}
    try:
        with style():
            fig = module.draw(data)
            temporary["png"].write_bytes(png_bytes(fig, DPI))
            fig.savefig(temporary["pdf"], format="pdf")
        pq.write_table(table, temporary["parquet"])
        temporary["md"].write_text(_markdown(data, command, record))
        paths = []
        for suffix in SUFFIXES:
            final = out / f"{data.name}.{suffix}"
            os.replace(temporary[suffix], final)
            paths.append(final)
        return paths
    finally:
        for tmp in temporary.values():
            tmp.unlink(missing_ok=True)
