#!/usr/bin/env Rscript
# =============================================================================
# make_deff_replace_reference.R -- design effects against sampling with replacement
# (R survey 4.1.1: svymean / svytotal / svyby with deff = "replace"), for weights
# scaled to sum to the sample size (relative weights, where deff = TRUE is undefined
# because sum(w) < n), and for the api samples' own weights.
# =============================================================================
# Usage (from tests/reference/, after make_design_reference.R wrote data/api*.csv):
#   Rscript make_deff_replace_reference.R [OUTDIR]      -> OUTDIR/deff_replace.json ("survey")
suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
out_dir <- sub("/+$", "", if (length(args) >= 1) args[[1]] else "survey")
clus1 <- read.csv(file.path("data", "apiclus1.csv"), na.strings = "", stringsAsFactors = TRUE)
clus1$rw <- clus1$pw / mean(clus1$pw) * c(0.6, 1.4)[1 + (clus1$snum %% 2)]  # unequal relative weights
clus1$rw <- clus1$rw / mean(clus1$rw)
rows <- function(s, what) {
  lapply(seq_along(coef(s)), function(i) list(
    variable = what, estimate = unname(coef(s)[i]), se = unname(SE(s)[i]), deff = unname(deff(s)[i])))
}
designs <- list(
  relative = list(call = "svydesign(ids = ~dnum, weights = ~rw, data = clus1)",
                  des = svydesign(ids = ~dnum, weights = ~rw, data = clus1), weights = "rw"),
  pw = list(call = "svydesign(ids = ~dnum, weights = ~pw, data = clus1)",
            des = svydesign(ids = ~dnum, weights = ~pw, data = clus1), weights = "pw"))
out <- lapply(designs, function(d) list(
  call = d$call, cluster = "dnum", weights = d$weights,
  mean = c(rows(svymean(~api00, d$des, deff = "replace"), "api00"),
           rows(svymean(~enroll, d$des, na.rm = TRUE, deff = "replace"), "enroll")),
  total = rows(svytotal(~api00, d$des, deff = "replace"), "api00"),
  mean_true = rows(svymean(~api00, d$des, deff = TRUE), "api00")))
out$relative_weights <- clus1$rw
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE),
           file.path(out_dir, "deff_replace.json"))
