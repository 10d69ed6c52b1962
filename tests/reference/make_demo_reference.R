#!/usr/bin/env Rscript
# =============================================================================
# make_demo_reference.R -- lavaan values for surveykit's demo instrument
# =============================================================================
#
# Usage (from tests/reference/):   Rscript make_demo_reference.R [OUTDIR]
#
# data/demo_keyed.csv is the analysis sample of the shipped demo survey (simulated;
# 577 respondents after screening, reverse-keyed items recoded, declared missing
# codes as NA), exported by surveykit.  This script fits, with lavaan defaults
# (ML, listwise deletion, marker identification, expected information):
#   * the eight-factor, 42-item measurement model (demo_cfa_ml.json)
#   * the structural model of analyses/demo.yaml (H1-H6, := indirect effects)
#     (demo_sem_ml.json)
# and writes every parameter (est, se, z, pvalue, CI, std.lv, std.all) and the fit
# measures with full precision (digits = NA).
# =============================================================================

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
out_dir <- sub("/+$", "", if (length(args) >= 1) args[[1]] else "lavaan")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

demo <- read.csv(file.path("data", "demo_keyed.csv"))

constructs <- c("IDE", "ORG", "CAP", "STY", "INT", "INS", "MEC", "EXE")
# items per construct in instruments/execution_capacity.yaml (MEC and EXE have six)
n_items <- c(IDE = 5, ORG = 5, CAP = 5, STY = 5, INT = 5, INS = 5, MEC = 6, EXE = 6)
measure <- function(codes) {
  paste(vapply(codes, function(k) {
    paste0(k, " =~ ", paste0(tolower(k), "_", seq_len(n_items[[k]]), collapse = " + "))
  }, character(1)), collapse = "\n")
}

cfa_model <- measure(constructs)
sem_model <- paste(
  measure(c("IDE", "ORG", "STY", "INS", "MEC", "EXE")),
  "STY ~ a1*IDE",
  "MEC ~ a2*INS",
  "EXE ~ c1*IDE + c2*ORG + b1*STY + b2*MEC",
  "ind_IDE_STY_EXE := a1*b1",
  "ind_INS_MEC_EXE := a2*b2",
  "total_IDE_EXE := c1 + a1*b1",
  sep = "\n"
)

fit_record <- function(fit, case, model, call) {
  pe <- parameterEstimates(fit, standardized = TRUE)
  keep <- c("lhs", "op", "rhs", "label", "est", "se", "z", "pvalue",
            "ci.lower", "ci.upper", "std.lv", "std.all")
  pe <- pe[, intersect(keep, names(pe))]
  list(
    case = case,
    description = paste("surveykit demo survey (simulated), analysis sample;", call),
    data = "data/demo_keyed.csv",
    model = model,
    call = call,
    nobs = lavInspect(fit, "nobs"),
    ntotal = lavInspect(fit, "ntotal"),
    npar = lavInspect(fit, "npar"),
    converged = lavInspect(fit, "converged"),
    params = pe,
    fit = as.list(fitMeasures(fit)),
    rsquare = as.list(lavInspect(fit, "rsquare"))
  )
}

save <- function(obj, name) {
  writeLines(toJSON(obj, digits = NA, auto_unbox = TRUE, null = "null", na = "null", pretty = TRUE),
             file.path(out_dir, paste0(name, ".json")))
}

cfa_fit <- cfa(cfa_model, data = demo)
save(fit_record(cfa_fit, "demo_cfa_ml", cfa_model, "cfa(model, data = demo)"), "demo_cfa_ml")
sem_fit <- sem(sem_model, data = demo)
save(fit_record(sem_fit, "demo_sem_ml", sem_model, "sem(model, data = demo)"), "demo_sem_ml")
