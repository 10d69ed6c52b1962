#!/usr/bin/env Rscript
# =============================================================================
# make_twolevel_reference.R -- lavaan 0.6.14 two-level CFA and SEM (level: 1 / level: 2 blocks
# with cluster=), ML with complete data: parameter estimates with standard errors (observed
# information, lavaan's default for multilevel ML), std.lv/std.all/std.nox, standardizedSolution()
# with delta-method SEs, fit measures (chisq, baseline, CFI/TLI, logl, AIC/BIC, RMSEA, SRMR with
# srmr_within/srmr_between), lavInspect(fit, "icc"), R-squared per level, and the unrestricted
# (h1) within/between moments.
# =============================================================================
# Usage (from tests/reference/):   Rscript make_twolevel_reference.R [OUTDIR]
# Writes OUTDIR/twolevel.json (OUTDIR defaults to "lavaan") and data/twolevel_branches.csv:
# simulated members nested in 60 branches of 5-25 members (set.seed(20261203)).
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
out_dir <- sub("/+$", "", if (length(args) >= 1) args[[1]] else "lavaan")
TL <- read.csv(file.path("data", "corpus", "demo_twolevel.csv"))

# -- simulated branches: 60 branches of 5-25 members, known ICCs ---------------------------------
set.seed(20261203)
n_branch <- 60
size <- sample(5:25, n_branch, replace = TRUE)
branch <- rep(seq_len(n_branch), size)
bsize <- round(rnorm(n_branch), 3)                # a branch-level covariate (standardized branch size)
fb <- 0.4 * bsize + rnorm(n_branch, sd = 0.6)     # branch-level factor
tenure <- round(rnorm(length(branch)), 3)         # a member-level covariate
fw <- 0.5 * tenure + rnorm(length(branch))        # member-level factor
lam_w <- c(1, 0.8, 0.9, 0.7)
lam_b <- c(1, 0.9, 0.8, 0.6)
items <- sapply(1:4, function(j) round(3 + lam_b[j] * fb[branch] + rnorm(n_branch, sd = 0.2)[branch] +
                                       lam_w[j] * fw + rnorm(length(branch), sd = 0.7), 3))
colnames(items) <- paste0("e", 1:4)
BR <- data.frame(branch = sprintf("B%02d", branch), items, tenure = tenure, bsize = bsize[branch],
                 wt = round(runif(length(branch), 0.5, 2), 3))
write.csv(BR, file.path("data", "twolevel_branches.csv"), row.names = FALSE)

sem_tutorial <- "level: 1\n  fw =~ y1 + y2 + y3\n  fw ~ x1 + x2 + x3\nlevel: 2\n  fb =~ y1 + y2 + y3\n  fb ~ w1 + w2"
cfa_two <- paste("level: 1", "  fw1 =~ y1 + y2 + y3", "  fw2 =~ y4 + y5 + y6",
                 "level: 2", "  fb1 =~ y1 + y2 + y3", "  fb2 =~ y4 + y5 + y6", sep = "\n")
only_cov <- paste("level: within", "  fw =~ y1 + y2 + y3", "  fw ~ x1 + x2", "  y4 ~ fw",
                  "level: between", "  fb =~ y1 + y2 + y3", "  fb ~ w1", "  w2 ~ fb", sep = "\n")
invariant <- paste("level: 1", "  fw =~ a*y1 + b*y2 + c*y3", "  fw ~~ vw*fw",
                   "level: 2", "  fb =~ a*y1 + b*y2 + c*y3", "  fb ~~ vb*fb",
                   "  icc_f := vb / (vb + vw)", sep = "\n")
both_cov <- "level: 1\n  fw =~ y1 + y2 + y3\n  fw ~ y4\nlevel: 2\n  fb =~ y1 + y2 + y3\n  fb ~ y4"
path_both <- "level: 1\n  y1 ~ x1 + x2\n  y2 ~ y1\nlevel: 2\n  y1 ~ w1\n  y2 ~ y1 + w2"
factors_path <- paste("level: 1", "  f1 =~ y1 + y2 + y3", "  f2 =~ y4 + y5 + y6", "  f2 ~ f1",
                      "level: 2", "  g1 =~ y1 + y2 + y3", "  g2 =~ y4 + y5 + y6", "  g2 ~ g1 + w1", sep = "\n")
branch_sem <- paste("level: 1", "  fw =~ e1 + e2 + e3 + e4", "  fw ~ tenure",
                    "level: 2", "  fb =~ e1 + e2 + e3 + e4", "  fb ~ bsize", sep = "\n")
branch_cfa <- paste("level: 1", "  fw =~ l2*e2 + l3*e3 + l4*e4 + 1*e1",
                    "level: 2", "  fb =~ l2*e2 + l3*e3 + l4*e4 + 1*e1", sep = "\n")

FIT <- c("npar", "fmin", "chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "baseline.pvalue", "cfi", "tli",
         "nnfi", "rfi", "nfi", "pnfi", "ifi", "rni", "logl", "unrestricted.logl", "aic", "bic", "ntotal", "bic2",
         "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue", "rmsea.notclose.pvalue", "srmr",
         "srmr_within", "srmr_between")
ROBUST <- c("chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor", "baseline.chisq.scaled",
            "baseline.df.scaled", "baseline.pvalue.scaled", "baseline.chisq.scaling.factor", "cfi.scaled", "tli.scaled",
            "cfi.robust", "tli.robust", "rni.robust", "rmsea.scaled", "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled",
            "rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust")

one <- function(id, description, model, data_name, call, kwargs = NULL) {
  # kwargs: the same options as surveykit's keyword arguments (lavaan's names with underscores)
  fit <- eval(parse(text = call))
  pe <- parameterEstimates(fit, standardized = TRUE)
  if (is.null(pe$label)) pe$label <- ""
  ss <- standardizedSolution(fit, type = "std.all")
  # lavaan 0.6.14's standardizedSolution() has no level column: its rows are parameterEstimates()'s
  stopifnot(nrow(ss) == nrow(pe), all(ss$lhs == pe$lhs), all(ss$op == pe$op), all(ss$rhs == pe$rhs))
  ss$level <- pe$level
  h1 <- lavInspect(fit, "h1")
  r2 <- lavInspect(fit, "r2")
  list(id = id, description = description, data = data_name, model = model, call = call,
       kwargs = if (is.null(kwargs)) setNames(list(), character(0)) else kwargs,
       nclusters = lavInspect(fit, "nclusters"),
       options = lavInspect(fit, "options")[c("estimator", "se", "test", "information", "observed.information")],
       parameters = pe[, intersect(c("lhs", "op", "rhs", "level", "label", "est", "se", "z", "pvalue", "ci.lower",
                                     "ci.upper", "std.lv", "std.all", "std.nox"), names(pe))],
       stdsol = ss[, intersect(c("lhs", "op", "rhs", "level", "est.std", "se", "z", "pvalue"), names(ss))],
       fit = as.list(fitMeasures(fit, if (lavInspect(fit, "options")$estimator == "MLR" ||
                                          lavInspect(fit, "options")$test[1] != "standard") c(FIT, ROBUST) else FIT)),
       test = lapply(lavTech(fit, "test"), function(t) t[intersect(names(t), c("test", "stat", "df",
                                                                            "scaling.factor", "trace.UGamma"))]),
       icc = as.list(lavInspect(fit, "icc")),
       r2 = lapply(r2, as.list),
       h1 = lapply(h1, function(b) list(cov = b$cov, mean = as.list(b$mean), names = colnames(b$cov))))
}
cases <- list(
  one("tl_sem_tutorial", "lavaan's two-level SEM tutorial model on Demo.twolevel, ML", sem_tutorial,
      "corpus/demo_twolevel.csv", "sem(sem_tutorial, data = TL, cluster = 'cluster')"),
  one("tl_cfa_two_factors", "two-level CFA: two factors at each level (six items), ML", cfa_two,
      "corpus/demo_twolevel.csv", "cfa(cfa_two, data = TL, cluster = 'cluster')"),
  one("tl_within_between_only", "within-only covariates and outcome (x1, x2, y4), between-only covariate and outcome (w1, w2)",
      only_cov, "corpus/demo_twolevel.csv", "sem(only_cov, data = TL, cluster = 'cluster')"),
  one("tl_invariant_loadings", "cross-level invariant loadings (labels shared by the levels) and a defined factor ICC",
      invariant, "corpus/demo_twolevel.csv", "sem(invariant, data = TL, cluster = 'cluster')"),
  one("tl_covariate_both_levels", "a covariate (y4) at both levels: fixed.x at each level", both_cov,
      "corpus/demo_twolevel.csv", "sem(both_cov, data = TL, cluster = 'cluster')"),
  one("br_sem", "simulated branches (60 of 5-25 members): member covariate tenure, branch covariate bsize", branch_sem,
      "twolevel_branches.csv", "sem(branch_sem, data = BR, cluster = 'branch')"),
  one("br_cfa_invariant", "simulated branches: two-level CFA with cross-level invariant loadings", branch_cfa,
      "twolevel_branches.csv", "cfa(branch_cfa, data = BR, cluster = 'branch')"),
  one("tl_sem_tutorial_mlr", "the tutorial model with MLR: cluster-score sandwich SEs, Yuan-Bentler (Mplus) test",
      sem_tutorial, "corpus/demo_twolevel.csv", "sem(sem_tutorial, data = TL, cluster = 'cluster', estimator = 'MLR')"),
  one("br_sem_mlr", "simulated branches SEM with MLR", branch_sem, "twolevel_branches.csv",
      "sem(branch_sem, data = BR, cluster = 'branch', estimator = 'MLR')"),
  one("tl_path_both_levels", "an observed path model at both levels (member and cluster covariates)", path_both,
      "corpus/demo_twolevel.csv", "sem(path_both, data = TL, cluster = 'cluster')"),
  one("tl_factor_paths", "two factors and a structural path at each level, a cluster covariate", factors_path,
      "corpus/demo_twolevel.csv", "sem(factors_path, data = TL, cluster = 'cluster')"),
  one("tl_sem_tutorial_random_x", "the tutorial model with fixed.x = FALSE (the covariates' moments are parameters)",
      sem_tutorial, "corpus/demo_twolevel.csv", "sem(sem_tutorial, data = TL, cluster = 'cluster', fixed.x = FALSE)",
      list(fixed_x = FALSE)),
  one("tl_sem_tutorial_std_lv", "the tutorial model with std.lv = TRUE", sem_tutorial, "corpus/demo_twolevel.csv",
      "sem(sem_tutorial, data = TL, cluster = 'cluster', std.lv = TRUE)", list(std_lv = TRUE))
)
out <- list(description = "lavaan two-level (level: blocks, cluster=) ML fits: parameters, standardized solution, fit, icc, r2, h1",
            lavaan = as.character(packageVersion("lavaan")), cases = cases)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", na = "null", pretty = TRUE),
           file.path(out_dir, "twolevel.json"))
