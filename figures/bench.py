"""The benchmark's plot (``popdyn bench``): kernel edges per second against N, beside NumPy and the C reference."""

from ._style import new_axes


def draw_rates(rows, ax=None):
    """Edges per second against N from ``popdyn.bench.run_benchmark`` rows: the term recursion's kernel, NumPy
    and C reference per thread count, or every recursion's kernel when the term recursion was not timed."""
    fig, ax = new_axes(ax, figsize=(7, 4.5))
    term = [r for r in rows if r["recursion"] == "term"]
    if term:
        for t in sorted({r["threads"] for r in term}):
            sel = [r for r in term if r["threads"] == t]
            ax.loglog([r["N"] for r in sel], [r["numba_edges_per_s"] for r in sel], "o-", label=f"numba, {t} thread(s)")
            if sel[0].get("c_edges_per_s"):
                ax.loglog([r["N"] for r in sel], [r["c_edges_per_s"] for r in sel], "s--", label=f"C reference, {t}")
        numpy_rates = {r["N"]: r["numpy_edges_per_s"] for r in term if r["numpy_edges_per_s"]}
        if numpy_rates:
            ax.loglog(list(numpy_rates), list(numpy_rates.values()), "^:", color="grey", label="NumPy (vectorized)")
        title = "term recursion"
    else:
        for key in sorted({(r["recursion"], r["threads"]) for r in rows}):
            sel = [r for r in rows if (r["recursion"], r["threads"]) == key]
            ax.loglog([r["N"] for r in sel], [r["numba_edges_per_s"] for r in sel], "o-",
                      label=f"numba {key[0]}, {key[1]} thread(s)")
        title = ", ".join(sorted({r["recursion"] for r in rows})) + " recursion"
    ax.set_xlabel("population size N")
    ax.set_ylabel("edges per second")
    ax.set_title(f"{title}, T = {rows[0]['T']:g}, lam = {rows[0]['lam']:g}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return fig
