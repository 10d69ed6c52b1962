#!/usr/bin/env python
"""surveykit benchmarks: wall-clock time of surveykit against semopy, lavaan and pyreadstat.

Usage (from the repository root)::

    python benchmarks/run.py                  # full run, about 10 minutes on 2 cores
    python benchmarks/run.py --quick          # smaller workloads, a few minutes
    python benchmarks/run.py --cases ml,boot  # some cases only
    python benchmarks/run.py --profile sav    # profile one surveykit case (no timing)

Every case is timed as the median of several repetitions (``REPS`` below; the number is
printed in the table) with ``time.perf_counter`` around the call, after the data are in
memory.  lavaan is timed inside R (``system.time`` around ``sem()``/``cfa()``), in one
Rscript process per case, so R's start-up and the reading of the CSV file are excluded.
The results go to ``<out>/<machine-tag>.json`` (every repetition, the machine, the load
average) and ``<out>/latest.md`` (the table); both are written atomically.  See
benchmarks/README.md for what each case measures and how to read the ratios.

This file is not part of the test suite (pytest collects ``tests/`` only).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as _dt
import gc
import importlib
import io
import json
import os
import platform
import pstats
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / "tests" / "reference"
DEMO_CSV = REF / "data" / "demo_keyed.csv"

# repetitions per case: (full run, --quick run); the median of these is reported
REPS = {"ml": (5, 3), "boot": (3, 3), "wlsmv": (3, 3), "sav": (3, 3), "power": (3, 3), "estimators": (3, 1),
        "twolevel": (5, 3), "process": (3, 1)}
CASES = ("ml", "boot", "wlsmv", "sav", "power", "estimators", "twolevel", "process")
# --budget: seconds one repetition of a case (all tools, data preparation included) is expected to take at most on
# a loaded 2-core machine; kept free for the cases still to come when a heavy case plans its repetitions
RESERVE = {"ml": 60, "boot": 60, "wlsmv": 35, "sav": 80, "power": 60, "estimators": 600, "twolevel": 120,
           "process": 150}
TOOLS = ("surveykit", "semopy", "lavaan", "pyreadstat", "R lm loop")

# workload sizes: (full, quick)
ML_SIZES = ((5_000, 100_000), (5_000, 100_000))  # simulated sizes besides the demo file (same in both modes)
BOOT_DRAWS = (1000, 200)
WLSMV_N = (2000, 2000)
SAV_ROWS = (1_000_000, 200_000)
SAV_COLS = 60
SAV_CHUNK = 100_000
POWER_SIZES = (200, 400, 800)
POWER_REPS = (500, 50)
PROCESS_N = 1000
PROCESS_DRAWS = (5000, 5000)  # the target names 5,000 draws; --quick times one repetition of each side

TARGETS = {
    "ml": ("single ML fit <= 1/4 of lavaan's time", "lavaan", 0.25),
    "boot": ("1,000-draw bootstrap >= 10x faster than lavaan", "lavaan", 0.10),
    "sav": ("reading + scoring 1M x 60 within 2x of pyreadstat's multiprocess read", "pyreadstat", 2.0),
    "est_mlr": ("MLR fit <= 1/4 of lavaan's time", "lavaan", 0.25),
    "est_fiml": ("FIML fit <= 1/10 of lavaan's time", "lavaan", 0.10),
    "est_fiml_mlr": ("FIML + MLR fit <= 1/10 of lavaan's time", "lavaan", 0.10),
    "est_wlsmv_groups": ("WLSMV fit with 2 groups <= 1/4 of lavaan's time", "lavaan", 0.25),
    "est_invariance": ("4-step invariance sequence <= 1/4 of lavaan's time", "lavaan", 0.25),
    "twolevel_ml": ("two-level SEM (ML) <= 1/4 of lavaan's time", "lavaan", 0.25),
    "twolevel_mlr": ("two-level SEM (MLR) <= 1/4 of lavaan's time", "lavaan", 0.25),
    "process": ("PROCESS model 7, 5,000 bootstrap draws, N = 1,000 <= 1/10 of an R loop of lm refits", "R lm loop",
                0.10),
}
TWOLEVEL_CSV = REF / "data" / "corpus" / "demo_twolevel.csv"  # lavaan's Demo.twolevel: 2,500 rows in 200 clusters
# the estimator cases: 8 factors x 5 items, a structural part, N = 900 (issue 12)
EST_N = 900
EST_MCAR = 0.04  # per cell; about 80% of the rows are incomplete


# ---------------------------------------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------------------------------------
@dataclass
class Row:
    """One line of the table: a workload timed with every tool that can run it."""

    case: str  # key of CASES
    label: str
    size: str
    reps: int
    times: dict[str, list[float]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    checks: dict[str, object] = field(default_factory=dict)
    load_before: tuple[float, ...] = ()
    load_after: tuple[float, ...] = ()

    def median(self, tool: str) -> float | None:
        t = self.times.get(tool)
        return statistics.median(t) if t else None

    def ratio(self, tool: str) -> float | None:
        a, b = self.median("surveykit"), self.median(tool)
        return a / b if a is not None and b else None

    def to_dict(self) -> dict:
        return {
            "case": self.case, "label": self.label, "size": self.size, "reps": self.reps, "times": self.times,
            "median": {t: self.median(t) for t in self.times},
            "ratio": {f"surveykit/{t}": self.ratio(t) for t in self.times if t != "surveykit"},
            "skipped": self.skipped, "checks": self.checks,
            "load_before": list(self.load_before), "load_after": list(self.load_after),
        }


def _load() -> tuple[float, ...]:
    return tuple(round(x, 2) for x in os.getloadavg())


def _time(fn: Callable[[], object], reps: int, *, warmup: bool = False) -> tuple[list[float], object]:
    """Seconds of `reps` calls of `fn` (garbage collected before each, outside the timing) and the last result."""
    out = None
    if warmup:
        out = fn()
    times = []
    for _ in range(reps):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return times, out


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------------------------------------------------
# machine
# ---------------------------------------------------------------------------------------------------------------------
def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return None


def _version(module: str) -> str | None:
    try:
        from importlib.metadata import version

        return version(module)
    except Exception:
        return None


def _r_info() -> dict[str, str] | str:
    """R, lavaan and R's BLAS, or the reason lavaan cannot be used."""
    exe = shutil.which("Rscript")
    if exe is None:
        return "Rscript is not installed"
    code = ('suppressPackageStartupMessages(library(lavaan)); cat(R.version.string, "\\n", '
            'as.character(packageVersion("lavaan")), "\\n", sessionInfo()$BLAS, "\\n", sep = "")')
    try:
        proc = subprocess.run([exe, "-e", code], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"Rscript failed: {exc}"
    if proc.returncode != 0:
        return "R package lavaan is not installed (" + proc.stderr.strip().splitlines()[-1][:200] + ")"
    r, lav, blas = (proc.stdout.splitlines() + ["", "", ""])[:3]
    try:
        subprocess.run([exe, "-e", "library(jsonlite)"], capture_output=True, check=True, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return "R package jsonlite (needed to return the timings) is not installed"
    return {"R": r.strip(), "lavaan": lav.strip(), "R_blas": blas.strip()}


def machine_info() -> dict:
    import numpy as np

    blas: list[dict] = []
    try:
        from threadpoolctl import threadpool_info

        blas = [{k: d.get(k) for k in ("internal_api", "version", "num_threads", "architecture", "threading_layer")}
                for d in threadpool_info() if d.get("user_api") == "blas"]
    except Exception:
        pass
    r = _r_info()
    info = {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "ram_gib": _ram_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numpy_blas": blas,
        "scipy": _version("scipy"),
        "pandas": _version("pandas"),
        "surveykit": _version("surveykit"),
        "semopy": _version("semopy"),
        "pyreadstat": _version("pyreadstat"),
        "joblib": _version("joblib"),
    }
    if isinstance(r, dict):
        info.update(r)
    else:
        info["lavaan"] = None
        info["lavaan_unavailable"] = r
    return info


def machine_tag(info: dict, quick: bool) -> str:
    cpu = re.sub(r"\(.*?\)|\b(cpu|processor|with|radeon|graphics)\b|@.*", " ", info["cpu_model"].lower())
    cpu = re.sub(r"[^a-z0-9]+", "-", cpu).strip("-") or "cpu"
    ram = f"{round(info['ram_gib'])}gib" if info.get("ram_gib") else "ram"
    py = "py" + "".join(info["python"].split(".")[:2])
    return f"{cpu}-{info['cores']}c-{ram}-{py}" + ("-quick" if quick else "")


# ---------------------------------------------------------------------------------------------------------------------
# data and models
# ---------------------------------------------------------------------------------------------------------------------
def _models() -> tuple[str, str]:
    sem_m = json.loads((REF / "lavaan" / "demo_sem_ml.json").read_text(encoding="utf-8"))["model"]
    cfa_m = json.loads((REF / "lavaan" / "demo_cfa_ml.json").read_text(encoding="utf-8"))["model"]
    return sem_m, cfa_m


def _without_defined(model: str) -> str:
    """semopy does not parse ``:=`` lines: drop them (the fitted model is the same)."""
    return "\n".join(line for line in model.splitlines() if ":=" not in line)


def _demo():
    import surveykit as sk

    pop = sk.load_population(sk.datasets.demo_population_path())
    ins = sk.load_instrument(sk.datasets.demo_instrument_path())
    return pop, ins


def keyed_sample(n: int, seed: int):
    """`n` simulated demo respondents as analysed: declared missing codes -> NaN, reverse-keyed items
    recoded (min + max - x), careless respondents (straight-liners, speeders) dropped; 42 item columns."""
    import numpy as np

    import surveykit as sk

    pop, ins = _demo()
    sim = sk.simulate(pop, ins, n=n, rng=seed)
    items = [it.id for it in ins.items]
    x = sim.frame[items].astype(float)
    for it in ins.items:
        sc = ins.scale_of(it.id)
        col = x[it.id].where(~x[it.id].isin(list(sc.missing)))
        x[it.id] = sc.min + sc.max - col if it.reverse else col
    keep = (sim.careless == "").to_numpy()
    return x.loc[keep].reset_index(drop=True).astype(np.float64)


def population_syntax(constructs: list[str]) -> str:
    """The demo population (surveykit/datasets/demo/demo_population.yaml) as a standardized lavaan
    population model, restricted to `constructs`: loadings, structural paths, exogenous correlations."""
    pop, ins = _demo()
    meas = pop.measurement
    lines = []
    for code in constructs:
        terms = [f"{meas.loadings.get(it.id, meas.loading)}*{it.id}" for it in ins.construct(code).items]
        lines.append(f"{code} =~ " + " + ".join(terms))
    paths = [ln.strip() for ln in pop.latent.paths.strip().splitlines() if ln.strip()]
    lines += paths
    endo = {ln.split("~")[0].strip() for ln in paths}
    exo = [c for c in constructs if c not in endo]
    corr = {frozenset(k.replace("~~", " ").split()): v for k, v in pop.latent.correlations.items()}
    for i, a in enumerate(exo):
        for b in exo[i + 1:]:
            lines.append(f"{a} ~~ {corr.get(frozenset((a, b)), pop.latent.correlation_default)}*{b}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------------------
# lavaan (one Rscript process per case)
# ---------------------------------------------------------------------------------------------------------------------
R_SCRIPT = r"""
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
jobs <- fromJSON(args[[1]], simplifyVector = FALSE)
out <- list()
for (job in jobs) {
  d <- read.csv(job$data)
  model <- job$model
  if (job$kind == "process") {  # PROCESS model 7 by an R loop of lm refits (no lavaan)
    boot_process <- function() {
      set.seed(1)
      n <- nrow(d)
      wv <- mean(d$INS) + c(-1, 0, 1) * sd(d$INS)
      draws <- matrix(NA_real_, job$n_boot, 4)
      for (b in seq_len(job$n_boot)) {
        db <- d[sample.int(n, n, replace = TRUE), ]
        a <- coef(lm(STY ~ IDE * INS, data = db))
        bb <- coef(lm(EXE ~ IDE + STY, data = db))[["STY"]]
        draws[b, ] <- c((a[["IDE"]] + a[["IDE:INS"]] * wv) * bb, a[["IDE:INS"]] * bb)
      }
      list(m = lm(STY ~ IDE * INS, data = d), y = lm(EXE ~ IDE + STY, data = d), draws = draws)
    }
    times <- numeric(job$reps)
    for (i in seq_len(job$reps)) {
      invisible(gc())
      t0 <- proc.time()[["elapsed"]]
      fit <- boot_process()
      times[i] <- proc.time()[["elapsed"]] - t0
    }
    index <- coef(fit$m)[["IDE:INS"]] * coef(fit$y)[["STY"]]
    out[[job$id]] <- list(times = times, index = index,
                          index_ci = unname(quantile(fit$draws[, 4], c(0.025, 0.975))),
                          index_boot_se = sd(fit$draws[, 4]))
    next
  }
  run <- function() {
    if (job$kind == "ml") {
      if (job$fun == "cfa") cfa(model, data = d) else sem(model, data = d)
    } else if (job$kind == "boot") {
      sem(model, data = d, se = "bootstrap", bootstrap = job$n_boot, parallel = "multicore",
          ncpus = job$ncpus, iseed = 1)
    } else if (job$kind == "wlsmv") {
      cfa(model, data = d, ordered = TRUE, estimator = "WLSMV")
    } else if (job$kind == "mlr") {
      sem(model, data = d, estimator = "MLR")
    } else if (job$kind == "fiml") {
      sem(model, data = d, missing = "ml")
    } else if (job$kind == "fiml_mlr") {
      sem(model, data = d, missing = "ml", estimator = "MLR")
    } else if (job$kind == "wlsmv_groups") {
      items <- setdiff(names(d), "g")
      cfa(model, data = d, ordered = items, group = "g")
    } else if (job$kind == "twolevel") {
      sem(model, data = d, cluster = job$cluster, estimator = job$estimator)
    } else if (job$kind == "invariance") {
      f1 <- cfa(model, data = d, group = "g")
      f2 <- cfa(model, data = d, group = "g", group.equal = "loadings")
      f3 <- cfa(model, data = d, group = "g", group.equal = c("loadings", "intercepts"))
      f4 <- cfa(model, data = d, group = "g", group.equal = c("loadings", "intercepts", "residuals"))
      invisible(lavTestLRT(f1, f2, f3, f4))
      f4
    }
  }
  if (isTRUE(job$warmup)) invisible(run())
  times <- numeric(job$reps)
  for (i in seq_len(job$reps)) {
    invisible(gc())
    t0 <- proc.time()[["elapsed"]]
    fit <- run()
    times[i] <- proc.time()[["elapsed"]] - t0
  }
  fm <- fitMeasures(fit)
  res <- list(times = times, nobs = lavInspect(fit, "nobs"), converged = lavInspect(fit, "converged"),
              chisq = unname(fm[["chisq"]]))
  if ("chisq.scaled" %in% names(fm)) res$chisq_scaled <- unname(fm[["chisq.scaled"]])
  if (job$kind == "boot") {
    pe <- parameterEstimates(fit)
    def <- pe[pe$op == ":=", ]
    res$defined_se <- as.list(setNames(def$se, def$lhs))
  }
  out[[job$id]] <- res
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA), args[[2]])
"""


def run_lavaan(jobs: list[dict], tmp: Path, timeout: float = 3600) -> dict:
    """Run lavaan `jobs` (id, kind, data, model, reps, ...) in one Rscript process; {id: result}."""
    script, spec, out = tmp / "bench.R", tmp / "lavaan_jobs.json", tmp / "lavaan_out.json"
    script.write_text(R_SCRIPT, encoding="utf-8")
    spec.write_text(json.dumps(jobs), encoding="utf-8")
    proc = subprocess.run(["Rscript", str(script), str(spec), str(out)], capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError("Rscript failed: " + proc.stderr.strip()[-800:])
    res = json.loads(out.read_text(encoding="utf-8"))
    for r in res.values():
        r["times"] = [r["times"]] if isinstance(r["times"], (int, float)) else list(r["times"])
    return res


# ---------------------------------------------------------------------------------------------------------------------
# the cases
# ---------------------------------------------------------------------------------------------------------------------
class Bench:
    def __init__(self, args: argparse.Namespace, info: dict, tmp: Path) -> None:
        self.quick = args.quick
        self.info = info
        self.tmp = tmp
        self.lavaan_reason = info.get("lavaan_unavailable")
        self.semopy_reason = None if _version("semopy") else "semopy is not installed"
        self.rows: list[Row] = []
        self.notes: list[str] = []
        self.reps_override = args.reps
        self.cases = [c for c in CASES if c in args.cases.split(",")]
        self.deadline = time.perf_counter() + args.budget if args.budget > 0 else None

    def guarded(self, case: str, row: Row, fn: Callable[[], object], factor: float) -> tuple[list[float], object]:
        """surveykit's repetitions of a heavy case: as configured, or fewer (at least 1) when the rest of the run
        would not fit in --budget.  A repetition of every tool together is estimated at `factor` x surveykit's
        first one; the cases still to come keep RESERVE seconds each.  Sets ``row.reps``."""
        times, out = _time(fn, 1)
        want = self.reps(case)
        if self.deadline is not None and self.reps_override is None and want > 1:
            later = self.cases[self.cases.index(case) + 1:]
            left = self.deadline - time.perf_counter() - sum(RESERVE[c] for c in later)
            fit = max(1, int((left + times[0]) // (times[0] * factor)))
            if fit < want:
                self.notes.append(f"{case}: {fit} repetition(s) instead of {want}, to finish within --budget "
                                  f"(the machine was slower than expected; load average {_load()}).")
                want = fit
        if want > 1:
            more, out = _time(fn, want - 1)
            times += more
        row.reps = want
        return times, out

    def reps(self, case: str) -> int:
        return self.reps_override or REPS[case][1 if self.quick else 0]

    def pick(self, pair):
        return pair[1] if self.quick else pair[0]

    def _lavaan(self, rows_jobs: list[tuple[Row, dict]]) -> None:
        """Time the lavaan side of `rows_jobs` in one Rscript process and fill the rows."""
        if self.lavaan_reason:
            for row, _ in rows_jobs:
                row.skipped["lavaan"] = self.lavaan_reason
            return
        try:
            res = run_lavaan([job for _, job in rows_jobs], self.tmp)
        except Exception as exc:  # reported, not fatal
            for row, _ in rows_jobs:
                row.skipped["lavaan"] = f"lavaan run failed: {exc}"[:300]
            return
        for row, job in rows_jobs:
            r = res[job["id"]]
            row.times["lavaan"] = r.pop("times")
            row.checks.update({f"lavaan_{k}": v for k, v in r.items()})

    # -- 1 ---------------------------------------------------------------------------------------------------------
    def case_ml(self) -> None:
        import pandas as pd

        import surveykit as sk

        sem_m, cfa_m = _models()
        reps = self.reps("ml")
        data = {"N=600 (demo_keyed.csv, 577 rows)": pd.read_csv(DEMO_CSV)}
        for n in self.pick(ML_SIZES):
            data[f"N={n:,} (simulated)"] = keyed_sample(n, seed=1)
        semopy = None if self.semopy_reason else importlib.import_module("semopy")
        jobs = []
        for di, (size, frame) in enumerate(data.items()):
            path = self.tmp / f"ml_{di}.csv"
            frame.to_csv(path, index=False, na_rep="NA")
            for name, model, fun in (("SEM (6 factors, 32 items, := effects)", sem_m, "sem"),
                                     ("CFA (8 factors, 42 items)", cfa_m, "cfa")):
                row = Row("ml", f"ML fit: {name}", size, reps, load_before=_load())
                print(f"  ml {fun} {size} ...", flush=True)
                t, fit = _time(lambda m=model, f=frame: sk.sem(m, f), reps, warmup=True)
                row.times["surveykit"] = t
                row.checks.update(surveykit_nobs=int(fit.nobs), surveykit_chisq=fit.fit_measures().get("chisq"),
                                  surveykit_converged=bool(fit.converged))
                if self.semopy_reason:
                    row.skipped["semopy"] = self.semopy_reason
                else:
                    sm = _without_defined(model)
                    cols = [c for c in frame.columns if re.search(rf"\b{re.escape(c)}\b", sm)]

                    def fit_semopy(m=sm, f=frame, cols=cols):
                        mod = semopy.Model(m)
                        complete = f[cols].dropna()  # listwise on the model's variables, as lavaan
                        return mod.fit(complete, solver="L-BFGS-B"), len(complete)

                    row.times["semopy"], (res, n_complete) = _time(fit_semopy, reps, warmup=di == 0)
                    # semopy's chi-square is N x its ML objective (as semopy.calc_stats reports it)
                    row.checks.update(semopy_chisq=float(res.fun) * n_complete, semopy_iterations=int(res.n_it),
                                      semopy_success=bool(res.success))
                jobs.append((row, {"id": f"ml{di}{fun}", "kind": "ml", "fun": fun, "data": str(path), "model": model,
                                   "reps": reps, "warmup": True}))
                row.load_after = _load()
                self.rows.append(row)
        self._lavaan(jobs)
        self.notes.append("ML: semopy is timed with solver='L-BFGS-B' only (SLSQP, its default, is not measured; "
                          "see README) on the rows complete on the model's variables (dropna inside the timed "
                          "call); its ':=' lines are removed (semopy does not parse them) and its fit() computes no "
                          "standard errors or fit measures, whereas surveykit's sem() and lavaan's sem()/cfa() both "
                          "compute estimates, expected-information SEs and the test statistic.")

    # -- 2 ---------------------------------------------------------------------------------------------------------
    def case_boot(self) -> None:
        import pandas as pd

        import surveykit as sk

        sem_m, _ = _models()
        demo = pd.read_csv(DEMO_CSV)
        draws = self.pick(BOOT_DRAWS)
        reps = self.reps("boot")
        cores = os.cpu_count() or 1
        row = Row("boot", f"Bootstrap of the demo SEM's indirect effects, {draws:,} draws, {cores} cores",
                  "N=600 (demo_keyed.csv)", reps, load_before=_load())
        print(f"  boot {draws} draws ...", flush=True)
        # start the worker pool once (loky keeps it): its start-up is reported, not in the median
        t0 = time.perf_counter()
        sk.bootstrap(sk.sem(sem_m, demo), n_boot=20, ci="percentile", rng=2, jobs=-1, progress=False)
        row.checks["surveykit_pool_startup_s"] = round(time.perf_counter() - t0, 3)

        def run():
            return sk.bootstrap(sk.sem(sem_m, demo), n_boot=draws, ci="percentile", rng=1, jobs=-1, progress=False)

        row.times["surveykit"], boot = self.guarded("boot", row, run, factor=2.0)
        reps = row.reps
        pe = boot.parameter_estimates()
        row.checks["surveykit_defined_se"] = {r.lhs: r.se for r in pe[pe["op"] == ":="].itertuples()}
        row.checks["surveykit_n_failed"] = boot.n_failed
        row.skipped["semopy"] = "semopy has no bootstrap of ':=' (defined) parameters"
        path = self.tmp / "boot.csv"
        demo.to_csv(path, index=False, na_rep="NA")
        row.load_after = _load()
        self._lavaan([(row, {"id": "boot", "kind": "boot", "data": str(path), "model": sem_m, "reps": reps,
                             "n_boot": draws, "ncpus": cores})])
        row.load_after = _load()
        self.rows.append(row)
        self.notes.append(f"Bootstrap: both sides include the fit on the full sample; surveykit "
                          f"bootstrap(jobs=-1, ci='percentile') in loky worker processes, lavaan "
                          f"se='bootstrap', parallel='multicore', ncpus={cores}. surveykit's worker pool is started "
                          "by an untimed 20-draw call first (its start-up time is in the JSON checks).")

    # -- 3 ---------------------------------------------------------------------------------------------------------
    def case_wlsmv(self) -> None:
        import surveykit as sk

        _, cfa_m = _models()
        n = self.pick(WLSMV_N)
        reps = self.reps("wlsmv")
        frame = keyed_sample(int(n * 1.35), seed=2).dropna().iloc[:n].astype(int).reset_index(drop=True)
        if len(frame) < n:
            raise RuntimeError(f"WLSMV sample has {len(frame)} complete rows, fewer than {n}")
        row = Row("wlsmv", "WLSMV fit of the 8-factor CFA, 42 ordinal items (5 categories)",
                  f"N={n:,} (simulated, complete rows)", reps, load_before=_load())
        print(f"  wlsmv N={n} ...", flush=True)
        from surveykit._core.memo import clear_caches

        def fit_cold():
            # surveykit keeps the polychoric matrix and Gamma of a data set for the next model of the
            # same items (issue 8); each repetition here times a first fit, as lavaan's does
            clear_caches()
            return sk.sem(cfa_m, frame, ordered=True)

        row.times["surveykit"], fit = self.guarded("wlsmv", row, fit_cold, 5.0)
        reps = row.reps
        fm = fit.fit_measures()
        row.checks.update(surveykit_chisq=fm.get("chisq"), surveykit_chisq_scaled=fm.get("chisq_scaled"))
        row.skipped["semopy"] = "semopy has no WLSMV estimator (polychoric correlations + DWLS + robust test)"
        path = self.tmp / "wlsmv.csv"
        frame.to_csv(path, index=False)
        self._lavaan([(row, {"id": "wlsmv", "kind": "wlsmv", "data": str(path), "model": cfa_m, "reps": reps})])
        row.load_after = _load()
        self.rows.append(row)

    # -- 4 ---------------------------------------------------------------------------------------------------------
    def case_sav(self) -> None:
        n = self.pick(SAV_ROWS)
        reps = self.reps("sav")
        sav, ins = self.tmp / "big.sav", self.tmp / "bench60.yaml"
        print(f"  sav: writing {n:,} x {SAV_COLS} ...", flush=True)
        t0 = time.perf_counter()
        _child(["make-sav", str(sav), str(ins), str(n)])
        gen = time.perf_counter() - t0
        row = Row("sav", f"Read + score a {SAV_COLS}-item .sav file (10 constructs x 6 items, chunks of "
                         f"{SAV_CHUNK:,})", f"{n:,} rows x {SAV_COLS + 1} columns", reps, load_before=_load())
        row.checks["file_mb"] = round(sav.stat().st_size / 1e6, 1)
        row.checks["generate_s"] = round(gen, 1)
        print(f"  sav: scoring, up to {reps} reps ...", flush=True)
        runs_by_tool: dict[str, list[dict]] = {"surveykit": [], "pyreadstat": []}

        def score():
            runs_by_tool["surveykit"].append(_child(["score", str(sav), str(ins)]))

        self.guarded("sav", row, score, factor=1.5)
        runs_by_tool["pyreadstat"] = [_child(["pyreadstat", str(sav)]) for _ in range(row.reps)]
        for tool, runs in runs_by_tool.items():
            row.times[tool] = [r["seconds"] for r in runs]
            row.checks[f"{tool}_peak_rss_mib"] = max(r["vmhwm_kib"] for r in runs) / 1024
            row.checks[f"{tool}_ru_maxrss_self_mib"] = max(r["maxrss_self_kib"] for r in runs) / 1024
            if runs[-1].get("maxrss_children_kib"):
                row.checks[f"{tool}_worker_peak_rss_mib"] = max(x["maxrss_children_kib"] for x in runs) / 1024
            row.checks[f"{tool}_rows"] = runs[-1]["rows"]
        row.skipped["semopy"] = row.skipped["lavaan"] = "not applicable (file reading)"
        row.load_after = _load()
        self.rows.append(row)
        self.notes.append("Read + score: each repetition runs in its own child process (imports excluded from the "
                          "time); peak memory is the child's own high-water mark (VmHWM, what ru_maxrss measures, "
                          "for the child only: Linux carries the parent's ru_maxrss across exec), and for both tools "
                          "also their largest worker process (getrusage(RUSAGE_CHILDREN).ru_maxrss).")

    # -- 5 ---------------------------------------------------------------------------------------------------------
    def case_power(self) -> None:
        import surveykit as sk

        sem_m, _ = _models()
        pop = population_syntax(["IDE", "ORG", "STY", "INS", "MEC", "EXE"])
        mc = self.pick(POWER_REPS)
        reps = self.reps("power")
        row = Row("power", f"Monte Carlo power of the demo SEM, {len(POWER_SIZES)} sample sizes x {mc} "
                           "replications, all cores",
                  "n = " + ", ".join(map(str, POWER_SIZES)), reps, load_before=_load())
        print(f"  power {len(POWER_SIZES)} x {mc} ...", flush=True)
        sk.power(sem_m, pop, n=[100], reps=4, rng=2, standardized=True, jobs=-1, progress=False)  # pool warm-up

        def run():
            return sk.power(sem_m, pop, n=list(POWER_SIZES), reps=mc, rng=1, standardized=True, jobs=-1,
                            progress=False)

        row.times["surveykit"], res = self.guarded("power", row, run, factor=1.0)
        conv = res.convergence
        row.checks["surveykit_conv_rate"] = {int(r.n): float(r.conv_rate) for r in conv.itertuples()}
        t = res.table
        ind = t[t["parameter"] == "ind_IDE_STY_EXE"]
        row.checks["surveykit_power_ind_IDE_STY_EXE"] = {int(r.n): float(r.power) for r in ind.itertuples()}
        row.skipped["semopy"] = "semopy has no Monte Carlo power routine"
        row.skipped["lavaan"] = ("lavaan has no Monte Carlo power routine (simsem is the R package for it); "
                                 "not timed")
        row.load_after = _load()
        self.rows.append(row)
        self.notes.append("Power: population = the demo population (demo_population.yaml: standardized loadings, "
                          "paths and exogenous correlations of the six constructs in the SEM), analysis model = the "
                          "demo SEM; ML fit per replication, Wald tests of the ~ paths and := effects.")

    # -- 7 ---------------------------------------------------------------------------------------------------------
    def case_process(self) -> None:
        """PROCESS model 7 (IDE -> STY -> EXE, INS moderating the first stage) on construct scores of N = 1,000
        simulated demo respondents, 5,000 bootstrap draws, against an R loop of lm refits (issue 15)."""
        import surveykit as sk

        draws, reps = self.pick(PROCESS_DRAWS), self.reps("process")
        items = keyed_sample(int(PROCESS_N * 1.1), seed=4).iloc[:PROCESS_N]
        scores = {c: items[[i for i in items.columns if i.startswith(c.lower() + "_")]].mean(axis=1)
                  for c in ("IDE", "STY", "INS", "EXE")}
        import pandas as pd

        data = pd.DataFrame(scores)
        row = Row("process", f"PROCESS model 7 (X = IDE, M = STY, W = INS, Y = EXE), {draws:,} bootstrap draws, "
                             "all cores", f"N={PROCESS_N:,} (simulated construct scores)", reps, load_before=_load())
        print(f"  process model 7, {draws} draws ...", flush=True)
        kw = dict(model=7, x="IDE", m="STY", y="EXE", w="INS", rng=1, jobs=-1, progress=False)
        t0 = time.perf_counter()
        sk.process(data, **{**kw, "n_boot": 20})  # imports and the worker pool, reported, not in the median
        row.checks["surveykit_pool_startup_s"] = round(time.perf_counter() - t0, 3)
        row.times["surveykit"], res = self.guarded("process", row, lambda: sk.process(data, **kw, n_boot=draws),
                                                   factor=25.0)
        idx = res.index_of_moderated_mediation().iloc[0]
        row.checks.update(surveykit_index=float(idx["index"]), surveykit_index_boot_se=float(idx["boot_se"]),
                          surveykit_index_ci=[float(idx["boot_ci_lower"]), float(idx["boot_ci_upper"])],
                          surveykit_n_failed=res.n_failed)
        row.skipped.update(semopy="semopy has no PROCESS models", lavaan="not a lavaan model (OLS equations)")
        path = self.tmp / "process.csv"
        data.to_csv(path, index=False)
        job = {"id": "process", "kind": "process", "data": str(path), "model": "", "reps": row.reps, "n_boot": draws}
        if self.lavaan_reason:
            row.skipped["R lm loop"] = self.lavaan_reason
        else:
            try:
                r = run_lavaan([job], self.tmp)["process"]
                row.times["R lm loop"] = r.pop("times")
                row.checks.update({f"R_{k}": v for k, v in r.items()})
            except Exception as exc:  # reported, not fatal
                row.skipped["R lm loop"] = f"R run failed: {exc}"[:300]
        row.load_after = _load()
        self.rows.append(row)
        self.notes.append("PROCESS: surveykit process(model=7, n_boot=5000, jobs=-1) computes the OLS equations, "
                          "the conditional effects and Johnson-Neyman points, and the bootstrap intervals of the "
                          "conditional indirect effects, the index and the contrasts; R loops over 5,000 resamples "
                          "with two lm() refits each and keeps the conditional indirect effects and the index "
                          "(R's side does strictly less).  Both include the fit on the full sample.")


# ---------------------------------------------------------------------------------------------------------------------
# child processes (case 4): each repetition in its own process so peaks are separate
# ---------------------------------------------------------------------------------------------------------------------
    # -- 6 ---------------------------------------------------------------------------------------------------------
    def case_estimators(self) -> None:
        """MLR, FIML, FIML + MLR, WLSMV with two groups and a 4-step invariance sequence on one simulated
        8-factor, 40-item data set (N = 900), each against lavaan in the same run (issue 12)."""
        import surveykit as sk

        model, cfa_model, frames = estimator_data()
        items = [c for c in frames["ordinal"].columns if c != "g"]
        reps = self.reps("estimators")
        runs = [
            ("est_mlr", "MLR fit: SEM (8 factors, 40 items)", "complete", model,
             lambda: sk.sem(model, frames["complete"], estimator="MLR"), "mlr"),
            ("est_fiml", "FIML fit: SEM (8 factors, 40 items)", "mcar", model,
             lambda: sk.sem(model, frames["mcar"], missing="fiml"), "fiml"),
            ("est_fiml_mlr", "FIML + MLR fit: SEM (8 factors, 40 items)", "mcar", model,
             lambda: sk.sem(model, frames["mcar"], missing="fiml", estimator="MLR"), "fiml_mlr"),
            ("est_wlsmv_groups", "WLSMV fit, 2 groups: CFA (8 factors, 40 ordinal items)", "ordinal", cfa_model,
             lambda: _cold(lambda: sk.cfa(cfa_model, frames["ordinal"], ordered=items, group="g")), "wlsmv_groups"),
            ("est_invariance", "invariance sequence (configural .. strict, LRTs), 2 groups", "groups", cfa_model,
             lambda: sk.invariance(cfa_model, frames["groups"], group="g", partial=False), "invariance"),
        ]
        size = f"N={EST_N:,} (simulated)"
        jobs = []
        for case, label, kind, m, fn, r_kind in runs:
            row = Row(case, label, size + (f", {frames['mcar'].isna().any(axis=1).mean():.0%} rows incomplete"
                                           if kind == "mcar" else ""), reps, load_before=_load())
            print(f"  {case} ...", flush=True)
            row.times["surveykit"], fit = _time(fn, reps)
            fm = fit.fits["strict"].fit_measures() if case == "est_invariance" else fit.fit_measures()
            row.checks.update(surveykit_chisq=fm.get("chisq"), surveykit_chisq_scaled=fm.get("chisq_scaled"))
            row.skipped["semopy"] = "semopy has no robust, FIML, multi-group WLSMV or invariance routines"
            path = self.tmp / f"{case}.csv"
            frames[kind].to_csv(path, index=False, na_rep="NA")
            jobs.append((row, {"id": case, "kind": r_kind, "data": str(path), "model": m, "reps": reps}))
            row.load_after = _load()
            self.rows.append(row)
        self._lavaan(jobs)


    # -- 7 ---------------------------------------------------------------------------------------------------------
    def case_twolevel(self) -> None:
        """lavaan's two-level SEM tutorial model on Demo.twolevel (2,500 rows, 200 clusters), ML and MLR
        (issue 14), against lavaan in the same run."""
        import pandas as pd

        import surveykit as sk

        model = json.loads((REF / "lavaan" / "twolevel.json").read_text(encoding="utf-8"))["cases"][0]["model"]
        frame = pd.read_csv(TWOLEVEL_CSV)
        reps = self.reps("twolevel")
        jobs = []
        for estimator in ("ML", "MLR"):
            case = f"twolevel_{estimator.lower()}"
            row = Row(case, f"two-level SEM ({estimator}): lavaan's tutorial model", "N=2,500 in 200 clusters", reps,
                      load_before=_load())
            print(f"  {case} ...", flush=True)
            row.times["surveykit"], fit = _time(lambda e=estimator: sk.sem(model, frame, cluster="cluster",
                                                                           estimator=e), reps, warmup=True)
            fm = fit.fit_measures()
            row.checks.update(surveykit_chisq=fm.get("chisq"), surveykit_chisq_scaled=fm.get("chisq_scaled"))
            row.skipped["semopy"] = "semopy has no two-level (level: blocks) models"
            jobs.append((row, {"id": case, "kind": "twolevel", "data": str(TWOLEVEL_CSV), "model": model,
                               "reps": reps, "cluster": "cluster", "estimator": estimator, "warmup": True}))
            row.load_after = _load()
            self.rows.append(row)
        self._lavaan(jobs)


def _cold(fn):
    """A first fit of the data set: surveykit keeps polychoric matrices for the next model of the same
    items (issue 8); lavaan computes them anew in every fit."""
    from surveykit._core.memo import clear_caches

    clear_caches()
    return fn()


def estimator_data():
    """The model, its measurement part and the data sets of the estimator cases: 8 correlated factors with
    5 items each (loadings .5 to .82), two structural paths, N = 900; the complete data, the same with 4%
    of the cells missing completely at random, ordinal items (5 categories), and two groups."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(20261203)
    k, m = 8, 5
    phi = 0.3 * np.ones((k, k)) + 0.7 * np.eye(k)
    eta = rng.multivariate_normal(np.zeros(k), phi, size=EST_N)
    cols = {}
    for f in range(k):
        for j in range(m):
            lam = 0.5 + 0.08 * j
            cols[f"y{f}_{j}"] = lam * eta[:, f] + np.sqrt(1 - lam**2) * rng.standard_normal(EST_N)
    complete = pd.DataFrame(cols)
    mcar = complete.mask(rng.random(complete.shape) < EST_MCAR)
    ordinal = complete.apply(lambda c: np.digitize(c, [-1.0, -0.3, 0.3, 1.0]) + 1)
    ordinal["g"] = np.where(np.arange(EST_N) % 2 == 0, "a", "b")
    groups = complete.assign(g=ordinal["g"])
    cfa_model = "\n".join(f"f{f} =~ " + " + ".join(f"y{f}_{j}" for j in range(m)) for f in range(k))
    model = cfa_model + "\nf7 ~ f0 + f1 + f2\nf6 ~ f3 + f4"
    return model, cfa_model, {"complete": complete, "mcar": mcar, "ordinal": ordinal, "groups": groups}


def _child(args: list[str]) -> dict:
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", *args], capture_output=True,
                          text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"child {args[0]} failed: {proc.stderr.strip()[-1500:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _peak() -> dict:
    hwm = 0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            hwm = int(line.split()[1])
    return {"vmhwm_kib": hwm, "maxrss_self_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "maxrss_children_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}


def _text(s: str) -> dict:
    return {"zh": s, "en": s}


def make_instrument(path: Path) -> list[str]:
    """A 60-item instrument (10 constructs x 6 items, item 6 of each reverse-keyed), in the schema of
    instruments/execution_capacity.yaml; returns the item ids."""
    import yaml

    src = {"section": "benchmark"}
    constructs = []
    for k in range(SAV_COLS // 6):
        items = [{"id": f"c{k}_{j}", "text": _text(f"Benchmark item {j} of construct {k}"), "reverse": j == 6,
                  "source": src} for j in range(1, 7)]
        constructs.append({"code": f"C{k}", "name": _text(f"Construct {k}"),
                           "definition": _text(f"Synthetic construct {k} of the benchmark"), "source": src,
                           "items": items})
    doc = {
        "id": "bench60", "version": "1.0", "title": _text("Benchmark instrument, 60 items"),
        "description": _text("Synthetic instrument for benchmarks/run.py"), "source": "synthetic (benchmarks)",
        "default_scale": "agree5",
        "scales": {"agree5": {"min": 1, "max": 5, "labels": {i: _text(f"point {i}") for i in range(1, 6)},
                              "missing": {8: _text("Don't know"), 9: _text("Refused")}}},
        "constructs": constructs,
        "respondent": [{"id": "respondent_id", "label": _text("Respondent ID"), "type": "id"}],
    }
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return [f"c{k}_{j}" for k in range(SAV_COLS // 6) for j in range(1, 7)]


def make_sav(sav: Path, ins: Path, n: int) -> None:
    """`n` rows: an id and 60 items coded 1-5 (correlated within a construct), 0.5% cells 8/9 (declared missing)."""
    import numpy as np
    import pandas as pd

    from surveykit.io import write_sav

    items = make_instrument(ins)
    rng = np.random.default_rng(20261126)
    k = SAV_COLS // 6
    latent = np.repeat(rng.standard_normal((n, k)), 6, axis=1).astype(np.float32)
    y = 0.7 * latent + 0.7 * rng.standard_normal((n, SAV_COLS), dtype=np.float32)
    x = (1 + np.searchsorted(np.array([-1.5, -0.5, 0.5, 1.5], dtype=np.float32), y)).astype(np.float64)
    del latent, y
    rev = np.array([it.endswith("_6") for it in items])
    x[:, rev] = 6 - x[:, rev]
    hit = rng.random((n, SAV_COLS), dtype=np.float32) < 0.005
    x[hit] = rng.choice([8.0, 9.0], size=int(hit.sum()), p=[0.7, 0.3])
    frame = pd.DataFrame(x, columns=items)
    frame.insert(0, "respondent_id", np.arange(1, n + 1, dtype=np.float64))
    write_sav(frame, sav, missing_values={c: [8, 9] for c in items},
              value_labels={c: {i: f"point {i}" for i in range(1, 6)} for c in items})


def child_main(argv: list[str]) -> None:
    warnings.simplefilter("ignore")
    what = argv[0]
    if what == "make-sav":
        make_sav(Path(argv[1]), Path(argv[2]), int(argv[3]))
        print(json.dumps({"ok": True}))
        return
    if what == "score":
        from surveykit.data import score_file

        path, ins = argv[1], argv[2]
        t0 = time.perf_counter()
        s = score_file(path, ins, chunksize=SAV_CHUNK, progress=False)
        sec = time.perf_counter() - t0
        print(json.dumps({"seconds": sec, "rows": s.n_rows, **_peak()}))
        return
    if what == "pyreadstat":
        import pyreadstat

        t0 = time.perf_counter()
        df, _meta = pyreadstat.read_file_multiprocessing(pyreadstat.read_sav, argv[1], num_processes=2)
        sec = time.perf_counter() - t0
        print(json.dumps({"seconds": sec, "rows": len(df), **_peak()}))
        return
    raise SystemExit(f"unknown child task {what!r}")


# ---------------------------------------------------------------------------------------------------------------------
# profile
# ---------------------------------------------------------------------------------------------------------------------
def profile(case: str, out: Path, quick: bool) -> Path:
    """Run one surveykit repetition of `case` under cProfile (in this process: jobs=1 for the parallel cases,
    since with workers this process only waits) and write the top of the profile."""
    import pandas as pd

    import surveykit as sk

    warnings.simplefilter("ignore")
    sem_m, cfa_m = _models()
    tmp = Path(tempfile.mkdtemp(prefix="skbench-prof-"))

    def pick(pair):
        return pair[1] if quick else pair[0]

    try:
        if case == "ml":
            frame = keyed_sample(100_000, seed=1)

            def fn():
                return sk.sem(cfa_m, frame)

            what = "sk.sem(cfa_model, N=100,000 simulated)"
        elif case == "boot":
            demo = pd.read_csv(DEMO_CSV)
            draws = pick(BOOT_DRAWS)

            def fn():
                return sk.bootstrap(sk.sem(sem_m, demo), n_boot=draws, ci="percentile", rng=1, jobs=1,
                                    progress=False)

            what = f"sk.bootstrap(sk.sem(sem_model, demo), n_boot={draws}, jobs=1)"
        elif case == "wlsmv":
            frame = keyed_sample(2700, seed=2).dropna().iloc[:2000].astype(int)

            def fn():
                return sk.sem(cfa_m, frame, ordered=True)

            what = "sk.sem(cfa_model, N=2,000, ordered=True)"
        elif case == "sav":
            n = pick(SAV_ROWS)
            sav, ins = tmp / "big.sav", tmp / "bench60.yaml"
            _child(["make-sav", str(sav), str(ins), str(n)])
            from surveykit.data import score_file

            def fn():
                return score_file(sav, ins, chunksize=SAV_CHUNK, progress=False)

            what = f"score_file({n:,} x {SAV_COLS} .sav, chunksize={SAV_CHUNK:,})"
        elif case == "power":
            pop = population_syntax(["IDE", "ORG", "STY", "INS", "MEC", "EXE"])
            mc = pick(POWER_REPS)

            def fn():
                return sk.power(sem_m, pop, n=list(POWER_SIZES), reps=mc, rng=1, standardized=True, jobs=1,
                                progress=False)

            what = f"sk.power(sem_model, demo population, n={list(POWER_SIZES)}, reps={mc}, jobs=1)"
        else:
            raise SystemExit(f"--profile: unknown case {case!r}; choose one of {', '.join(CASES)}")
        prof = cProfile.Profile()
        t0 = time.perf_counter()
        prof.enable()
        fn()
        prof.disable()
        wall = time.perf_counter() - t0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.strip_dirs().sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(30)
    text = (f"# cProfile of surveykit case '{case}': {what}\n"
            f"# {_dt.datetime.now().astimezone().isoformat(timespec='seconds')}, wall {wall:.2f} s under the "
            f"profiler, load average {_load()}\n"
            f"# command: python benchmarks/run.py --profile {case}{' --quick' if quick else ''}\n\n" + buf.getvalue())
    path = out / f"profile-{case}.txt"
    _atomic_write(path, re.sub(r"[ \t]+\n", "\n", text))
    return path


# ---------------------------------------------------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------------------------------------------------
def _s(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:.3g}" if x < 100 else f"{x:.0f}"


def _r(x: float | None) -> str:
    return "—" if x is None else (f"{x:.3f}" if x < 0.1 else f"{x:.2f}")


def targets(rows: list[Row], quick: bool) -> list[dict]:
    out = []
    for case, (text, tool, limit) in TARGETS.items():
        sel = [r for r in rows if r.case == case]
        if not sel:
            continue
        ratios = [r.ratio(tool) for r in sel]
        if any(x is None for x in ratios):
            out.append({"target": text, "case": case, "ratio": None, "limit": limit, "result": "SKIP",
                        "why": "; ".join(r.skipped.get(tool, "no time") for r in sel)})
            continue
        worst = max(ratios)
        passed = sum(x <= limit for x in ratios)
        note = f"{passed} of {len(sel)} rows pass; worst surveykit/{tool} = {worst:.3f} (limit {limit:g})"
        if quick and case in ("boot", "sav"):
            note += " (--quick: smaller workload than the target names)"
        out.append({"target": text, "case": case, "ratio": worst, "limit": limit,
                    "result": "PASS" if passed == len(sel) else "FAIL", "why": note})
    return out


def _workers_rss(checks: dict, tool: str) -> str:
    # surveykit's score_file reads ahead in worker processes too (by default one per usable core, at most 4): their
    # peak belongs in its memory as pyreadstat's (num_processes=2) belongs in pyreadstat's
    peak = checks.get(f"{tool}_worker_peak_rss_mib") or 0
    n = 2 if tool == "pyreadstat" else min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                                           else (os.cpu_count() or 1))
    return f" + largest worker {peak:.0f} MiB (x{n} workers)" if peak > 50 else ""


def markdown(result: dict, rows: list[Row]) -> str:
    m = result["machine"]
    blas = ", ".join(f"{b['internal_api']} {b['version']} ({b['num_threads']} threads, {b.get('architecture')})"
                     for b in m.get("numpy_blas", [])) or "unknown"
    lines = [
        f"# surveykit benchmarks — {result['tag']}",
        "",
        f"Run {result['date']} with `{result['command']}`; total {result['total_seconds']:.0f} s. "
        f"Times are medians of the repetitions shown (seconds, wall clock); a ratio below 1 means surveykit is "
        f"faster. See `benchmarks/README.md`.",
        "",
        "| Machine | |",
        "| --- | --- |",
        f"| CPU | {m['cpu_model']} |",
        f"| cores | {m['cores']} (usable: {m['cores_usable']}) |",
        f"| RAM | {m['ram_gib']} GiB |",
        f"| OS | {m['os']} |",
        f"| Python | {m['python']} |",
        f"| numpy / BLAS | numpy {m['numpy']}; {blas} |",
        f"| scipy / pandas | {m['scipy']} / {m['pandas']} |",
        f"| surveykit | {m['surveykit']} |",
        f"| semopy | {m['semopy'] or 'not installed'} |",
        f"| pyreadstat | {m['pyreadstat']} |",
        f"| lavaan | {m.get('lavaan') or m.get('lavaan_unavailable')} |",
        f"| R / R's BLAS | {m.get('R', '—')} / {m.get('R_blas', '—')} |",
        f"| load average (1, 5, 15 min) | start {result['load_start']}, end {result['load_end']} |",
        "",
        "| # | Case | Size | Reps | surveykit | semopy | lavaan | pyreadstat | R lm loop | sk/lavaan | sk/semopy "
        "| sk/pyreadstat | sk/R |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    num = {c: i + 1 for i, c in enumerate(CASES)}
    num.update({c: CASES.index("estimators") + 1 for c in TARGETS if c.startswith("est_")})
    num.update({c: CASES.index("twolevel") + 1 for c in TARGETS if c.startswith("twolevel_")})
    for r in rows:
        cells = [_s(r.median(t)) for t in TOOLS]
        ratios = [_r(r.ratio(t)) for t in ("lavaan", "semopy", "pyreadstat", "R lm loop")]
        lines.append(f"| {num[r.case]} | {r.label} | {r.size} | {r.reps} | " + " | ".join(cells) + " | "
                     + " | ".join(ratios) + " |")
    lines += ["", "| Target | Result | Detail |", "| --- | --- | --- |"]
    for t in result["targets"]:
        lines.append(f"| {t['target']} | {t['result']} | {t['why']} |")
    lines += ["", "Skipped comparisons:", ""]
    seen = set()
    for r in rows:
        for tool, why in r.skipped.items():
            key = (r.case, tool, why)
            if key not in seen:
                seen.add(key)
                lines.append(f"- case {num[r.case]}, {tool}: {why}")
    lines += ["", "Checks (same model, same answer):", ""]
    for r in rows:
        c = r.checks
        if r.case in ("ml", "wlsmv") and "lavaan_chisq" in c:
            sk_key = "surveykit_chisq_scaled" if r.case == "wlsmv" else "surveykit_chisq"
            lv_key = "lavaan_chisq_scaled" if r.case == "wlsmv" else "lavaan_chisq"
            sem_chi = f", semopy {c['semopy_chisq']:.4f}" if "semopy_chisq" in c else ""
            lav = c.get("lavaan_chisq")
            if "semopy_chisq" in c and lav and abs(c["semopy_chisq"] - lav) > 1e-3 * lav:
                sem_chi += (f" (semopy's L-BFGS-B stopped after {c.get('semopy_iterations')} iterations short of "
                            "the ML optimum: its time is that of an unconverged fit)")
            lines.append(f"- {r.label}, {r.size}: chi-square surveykit {c.get(sk_key, float('nan')):.4f}, lavaan "
                         f"{c.get(lv_key, float('nan')):.4f}{sem_chi} (nobs {c.get('lavaan_nobs')})")
        elif r.case == "process" and "R_index" in c:
            lines.append(f"- {r.label}: index of moderated mediation surveykit {c['surveykit_index']:.6f} "
                         f"(bootstrap SE {c['surveykit_index_boot_se']:.4f}), R {c['R_index']:.6f} (bootstrap SE "
                         f"{c['R_index_boot_se']:.4f}; other draws, so the SEs agree within Monte Carlo error)")
        elif r.case == "boot":
            sk_se = c.get("surveykit_defined_se", {})
            lv_se = c.get("lavaan_defined_se", {})
            pairs = ", ".join(f"{k}: {v:.4f} vs {lv_se.get(k, float('nan')):.4f}" for k, v in sk_se.items())
            lines.append(f"- bootstrap SEs of the := effects, surveykit vs lavaan: {pairs}; surveykit worker-pool "
                         f"start-up (untimed warm-up) {c.get('surveykit_pool_startup_s')} s")
        elif r.case == "sav":
            lines.append(
                f"- {r.size}: file {c.get('file_mb')} MB (written in {c.get('generate_s')} s, not timed); rows read: "
                f"surveykit {c.get('surveykit_rows'):,}, pyreadstat {c.get('pyreadstat_rows'):,}; peak RSS: "
                f"surveykit {c.get('surveykit_peak_rss_mib', 0):.0f} MiB{_workers_rss(c, 'surveykit')}, pyreadstat "
                f"{c.get('pyreadstat_peak_rss_mib', 0):.0f} MiB{_workers_rss(c, 'pyreadstat')}")
        elif r.case.startswith(("est_", "twolevel_")) and "lavaan_chisq" in c:
            scaled = (f"; scaled surveykit {c['surveykit_chisq_scaled']:.4f}, lavaan {c['lavaan_chisq_scaled']:.4f}"
                      if c.get("surveykit_chisq_scaled") is not None and "lavaan_chisq_scaled" in c else "")
            lines.append(f"- {r.label}: chi-square surveykit {c.get('surveykit_chisq', float('nan')):.4f}, lavaan "
                         f"{c.get('lavaan_chisq', float('nan')):.4f}{scaled}")
        elif r.case == "power":
            lines.append(f"- power: convergence rate by n {c.get('surveykit_conv_rate')}; power of ind_IDE_STY_EXE "
                         f"by n {c.get('surveykit_power_ind_IDE_STY_EXE')}")
    lines += ["", "Notes:", ""] + [f"- {n}" for n in result["notes"]]
    lines += ["", "Load average before/after each case (1-minute):", ""]
    for r in rows:
        before, after = (r.load_before or (float("nan"),))[0], (r.load_after or (float("nan"),))[0]
        lines.append(f"- {r.label}, {r.size}: {before:.2f} -> {after:.2f}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        child_main(argv[1:])
        return 0
    p = argparse.ArgumentParser(description="surveykit benchmarks against semopy, lavaan and pyreadstat.")
    p.add_argument("--quick", action="store_true", help="smaller workloads (200 bootstrap draws, 200,000 rows, "
                                                        "3 x 50 power replications)")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results", help="results folder")
    p.add_argument("--cases", default=",".join(CASES), help=f"comma-separated subset of {','.join(CASES)}")
    p.add_argument("--reps", type=int, default=None, help="repetitions of every case (default: per case, see REPS)")
    p.add_argument("--budget", type=float, default=570,
                   help="seconds the whole run should take at most: the bootstrap, WLSMV, file and power cases run "
                        "fewer repetitions (at least 1, reported) when a loaded machine would overrun it; 0: no "
                        "limit (default: 570)")
    p.add_argument("--profile", metavar="CASE", default=None,
                   help="profile one surveykit repetition of CASE with cProfile into <out>/profile-CASE.txt, "
                        "then exit (no timing)")
    args = p.parse_args(argv)
    out = args.out if args.out.is_absolute() else Path.cwd() / args.out
    warnings.simplefilter("ignore")
    if args.profile:
        path = profile(args.profile, out, args.quick)
        print(path.read_text(encoding="utf-8")[:6000])
        print(f"wrote {path}")
        return 0
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    bad = [c for c in cases if c not in CASES]
    if bad:
        p.error(f"unknown case(s) {bad}; choose from {', '.join(CASES)}")
    if args.reps is not None and args.reps < 1:
        p.error("--reps must be at least 1")
    args.cases = ",".join(cases)
    start, load_start = time.perf_counter(), _load()
    info = machine_info()
    tag = machine_tag(info, args.quick)
    print(f"surveykit benchmarks on {tag} (load average {load_start}); cases: {', '.join(cases)}", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="skbench-"))
    bench = Bench(args, info, tmp)
    failures: list[str] = []
    try:
        for case in cases:
            print(f"case {case}:", flush=True)
            try:
                getattr(bench, f"case_{case}")()
            except Exception as exc:  # one failing case does not stop the others
                failures.append(f"case {case} failed: {type(exc).__name__}: {exc}")
                print(f"  FAILED: {exc}", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    order = {c: i for i, c in enumerate(CASES)}
    order.update({c: CASES.index("estimators") for c in TARGETS if c.startswith("est_")})
    order.update({c: CASES.index("twolevel") for c in TARGETS if c.startswith("twolevel_")})
    rows = sorted(bench.rows, key=lambda r: order[r.case])
    result = {
        "schema": 1,
        "tag": tag,
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": "python benchmarks/run.py " + " ".join(argv) if argv else "python benchmarks/run.py",
        "quick": args.quick,
        "reps_configured": {c: (args.reps or REPS[c][1 if args.quick else 0]) for c in cases},
        "budget_seconds": args.budget,
        "machine": info,
        "load_start": list(load_start),
        "load_end": list(_load()),
        "total_seconds": time.perf_counter() - start,
        "rows": [r.to_dict() for r in rows],
        "targets": targets(rows, args.quick),
        "notes": bench.notes + failures,
        "failures": failures,
    }
    result["command"] = result["command"].strip()
    md = markdown(result, rows)
    _atomic_write(out / f"{tag}.json", json.dumps(result, indent=2, default=float) + "\n")
    _atomic_write(out / "latest.md", md)
    print()
    print(md)
    print(f"wrote {out / (tag + '.json')} and {out / 'latest.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
