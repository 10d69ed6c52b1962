#!/usr/bin/env Rscript
# =============================================================================
# make_stdsol_reference.R -- lavaan 0.6.14 standardizedSolution() with delta-method
# standard errors, z, p and 95% intervals, for type = "std.all", "std.lv" and "std.nox".
# =============================================================================
# Usage (from tests/reference/):   Rscript make_stdsol_reference.R [OUTDIR]
# Writes OUTDIR/stdsol.json (OUTDIR defaults to "lavaan").
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
out_dir <- sub("/+$", "", if (length(args) >= 1) args[[1]] else "lavaan")
HS <- read.csv(file.path("data", "HolzingerSwineford1939.csv"))
PD <- read.csv(file.path("data", "PoliticalDemocracy.csv"))
bfi <- read.csv(file.path("data", "bfi.csv"), na.strings = "")
MCAR <- read.csv(file.path("data", "corpus", "hs_mcar.csv"), na.strings = "")
hs_model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
pd_model <- paste("ind60 =~ x1 + x2 + x3", "dem60 =~ y1 + y2 + y3 + y4", "dem65 =~ y5 + y6 + y7 + y8",
                  "dem60 ~ a*ind60", "dem65 ~ c*ind60 + b*dem60", "y1 ~~ y5", "y2 ~~ y4 + y6", "y3 ~~ y7",
                  "y4 ~~ y8", "y6 ~~ y8", "indirect := a*b", "total := c + a*b", sep = "\n")
mimic_model <- paste(hs_model, "visual ~ sex + ageyr", "textual ~ sex + ageyr", sep = "\n")
ord_model <- "agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5"
ord_items <- c(paste0("A", 1:5), paste0("C", 1:5))
bfi_ord <- bfi[complete.cases(bfi[, c(ord_items, "gender")]), c(ord_items, "gender")]

one <- function(id, description, call, types = c("std.all")) {
  fit <- eval(parse(text = call))
  sols <- list()
  for (ty in types) {
    s <- standardizedSolution(fit, type = ty)
    if (is.null(s$group)) s$group <- 1L
    sols[[ty]] <- s[, c("lhs", "op", "rhs", "group", "est.std", "se", "z", "pvalue", "ci.lower", "ci.upper")]
  }
  list(id = id, description = description, call = call, solutions = sols)
}
cases <- list(
  one("hs_ml", "HS 3-factor CFA, ML", "cfa(hs_model, data = HS)", c("std.all", "std.lv")),
  one("pd_ml_defined", "PoliticalDemocracy SEM with := indirect and total effects, ML",
      "sem(pd_model, data = PD)", c("std.all", "std.lv")),
  one("hs_mimic_nox", "HS MIMIC on sex and ageyr, ML (fixed.x)", "sem(mimic_model, data = HS)",
      c("std.all", "std.nox")),
  one("hs_mlr_groups", "HS CFA by school with equal loadings, MLR", 
      "cfa(hs_model, data = HS, group = 'school', group.equal = 'loadings', estimator = 'MLR')"),
  one("hs_fiml", "HS CFA on the MCAR data, FIML", "cfa(hs_model, data = MCAR, missing = 'ml')"),
  one("bfi_wlsmv", "bfi ordinal 2-factor CFA, WLSMV", "cfa(ord_model, data = bfi_ord, ordered = ord_items)")
)
out <- list(description = "lavaan standardizedSolution(fit, type = ...): est.std, se (delta method), z, pvalue, ci",
            lavaan = as.character(packageVersion("lavaan")),
            models = list(hs = hs_model, pd = pd_model, mimic = mimic_model, ordinal = ord_model),
            cases = cases)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", na = "null", pretty = TRUE),
           file.path(out_dir, "stdsol.json"))
