#!/usr/bin/env Rscript
# =============================================================================
# make_ordinal_invariance_reference.R -- the ordinal measurement-invariance sequence of
# semTools::measEq.syntax (ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016") fitted with
# lavaan 0.6.14 (WLSMV), and lavTestLRT between successive levels.
# =============================================================================
# Usage (from tests/reference/):   Rscript make_ordinal_invariance_reference.R [OUTDIR]
# Writes OUTDIR/ordinal_invariance.json (OUTDIR defaults to "lavaan").
suppressPackageStartupMessages({
  library(lavaan)
  library(semTools)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
out_dir <- sub("/+$", "", if (length(args) >= 1) args[[1]] else "lavaan")
bfi <- read.csv(file.path("data", "bfi.csv"), na.strings = "")
items <- c(paste0("A", 1:5), paste0("C", 1:5))
d6 <- bfi[complete.cases(bfi[, c(items, "gender")]), c(items, "gender")]
# a second data set with a binary and a three-category item (Wu & Estabrook's special cases)
dmix <- d6
dmix$A1 <- as.integer(dmix$A1 > 3)
dmix$C2 <- as.integer(dmix$C2 > 2) + as.integer(dmix$C2 > 4)
model <- "agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5"
LEVELS <- list(configural = "configural", thresholds = "thresholds", metric = c("thresholds", "loadings"),
               scalar = c("thresholds", "loadings", "intercepts"),
               strict = c("thresholds", "loadings", "intercepts", "residuals"))
KEYS <- c("npar", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled", "cfi", "tli", "rmsea",
          "cfi.scaled", "tli.scaled", "rmsea.scaled", "srmr")

scenario <- function(id, description, data, parameterization, levels) {
  fits <- list()
  out <- list()
  for (lvl in levels) {
    syn <- as.character(measEq.syntax(configural.model = model, data = data, ordered = items,
                                      parameterization = parameterization, ID.fac = "std.lv",
                                      ID.cat = "Wu.Estabrook.2016", group = "gender", group.equal = LEVELS[[lvl]]))
    fit <- cfa(syn, data = data, ordered = items, group = "gender", parameterization = parameterization)
    fm <- fitMeasures(fit, KEYS)
    entry <- list(level = lvl, group_equal = LEVELS[[lvl]], syntax = syn, fit = as.list(fm))
    if (length(fits) > 0) {
      lrt <- lavTestLRT(fits[[length(fits)]], fit)
      entry$chisq_diff <- lrt[["Chisq diff"]][2]
      entry$df_diff <- lrt[["Df diff"]][2]
      entry$pvalue_diff <- lrt[["Pr(>Chisq)"]][2]
    }
    pe <- parameterEstimates(fit)
    lm <- pe[pe$op == "~1" & pe$lhs %in% c("agree", "consc") & pe$group == 2, c("lhs", "est", "se")]
    entry$latent_means_group2 <- lm
    fits[[length(fits) + 1]] <- fit
    out[[length(out) + 1]] <- entry
  }
  list(id = id, description = description, parameterization = parameterization, levels = out)
}
scenarios <- list(
  scenario("bfi_delta", "bfi, 10 six-category items by gender, delta parameterization", d6, "delta",
           c("configural", "thresholds", "metric", "scalar")),
  scenario("bfi_mixed_theta", "bfi with A1 made binary (A1 > 3) and C2 three-category ((C2 > 2) + (C2 > 4)), theta",
           dmix, "theta", c("configural", "thresholds", "metric", "scalar", "strict"))
)
out <- list(description = paste("semTools measEq.syntax(ID.fac = 'std.lv', ID.cat = 'Wu.Estabrook.2016') fitted by",
                                 "lavaan cfa(ordered = items, group = 'gender') with WLSMV"),
            lavaan = as.character(packageVersion("lavaan")), semTools = as.character(packageVersion("semTools")),
            data = "data/bfi.csv (complete rows on the items and gender)", model = model, items = items,
            scenarios = scenarios)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", na = "null", pretty = TRUE),
           file.path(out_dir, "ordinal_invariance.json"))
