#!/usr/bin/env Rscript
# =============================================================================
# make_invariance_cluster_reference.R -- multi-group invariance of clustered data:
# lavaan 0.6.14 cfa(..., group =, cluster =, estimator = "MLR") at the configural,
# metric and scalar levels on lavaan's Demo.twolevel (groups: w1 > 0 or not, a
# cluster-level split), their fit measures and the scaled difference tests of
# lavTestLRT() (Satorra-Bentler 2001).
# =============================================================================
# Usage (from tests/reference/):   Rscript make_invariance_cluster_reference.R [OUTDIR]
# Writes OUTDIR/invariance_cluster.json (OUTDIR defaults to "lavaan").
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
out_dir <- sub("/+$", "", if (length(args) >= 1) args[[1]] else "lavaan")
d <- read.csv(file.path("data", "corpus", "demo_twolevel.csv"))
d$g <- ifelse(d$w1 > 0, 1, 2)
m <- "f =~ y1 + y2 + y3 + y4"
fit <- function(eq) cfa(m, d, group = "g", cluster = "cluster", estimator = "MLR", group.equal = eq)
fits <- list(configural = fit(""), metric = fit("loadings"), scalar = fit(c("loadings", "intercepts")))
keys <- c("npar", "chisq", "chisq.scaled", "df", "cfi.robust", "tli.robust", "rmsea.robust", "srmr")
out <- list(model = m, group = "g", cluster = "cluster",
            levels = lapply(fits, function(f) as.list(fitMeasures(f, keys))))
diff <- function(a, b) {
  t <- lavTestLRT(a, b)
  list(chisq_diff = t[2, "Chisq diff"], df_diff = t[2, "Df diff"], pvalue = t[2, "Pr(>Chisq)"])
}
out$difference <- list(metric = diff(fits$configural, fits$metric), scalar = diff(fits$metric, fits$scalar))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           file.path(out_dir, "invariance_cluster.json"))
