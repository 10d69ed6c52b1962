#!/usr/bin/env Rscript
# =============================================================================
# make_design_reference.R -- reference values for surveykit.data.design (design-based
# descriptives, R's survey package) and surveykit.psychometrics.aggregation (ICC(1), ICC(2),
# rwg, rwg(j))
# =============================================================================
#
# Usage (from tests/reference/):
#
#     Rscript make_design_reference.R [OUTDIR]        # OUTDIR defaults to "survey/"
#
# Writes
#   data/apistrat.csv, data/apiclus1.csv, data/apiclus2.csv
#       the columns used here of survey::api (California Academic Performance Index, the
#       survey package's own example data), dots in names replaced by "_" (sch.wide ->
#       sch_wide, avg.ed -> avg_ed, comp.imp -> comp_imp); apiclus1 also gets `lonely_stratum`,
#       a made-up stratification with one single-PSU stratum (A = the district with the
#       smallest dnum, B = the next six districts, C = the rest), for the lonely-PSU rules.
#   data/branches.csv
#       SIMULATED members nested in 40 branches (set.seed(20260614)): two constructs, `exe`
#       (4 items, 5 points) and `org` (3 items, 7 points), unequal branch sizes, a branch of one
#       member (b40), a branch that disagrees completely on exe (b39: 1, 5, 1, 5) and about 3%
#       missing answers.
#   OUTDIR/design.json       svymean / svytotal / svyby (means, totals, proportions) with SE,
#                            deff, confint, for six designs and the lonely-PSU options
#   OUTDIR/aggregation.json  ICC(1), ICC(2) from aov() with both group-size conventions; rwg and
#                            rwg(j) per branch from James, Demaree & Wolf (1984), written out below
#   OUTDIR/VERSIONS.json
#
# Every statistic is computed from the CSV files as written (read back with read.csv), so the
# Python tests read exactly what R read.  Every block records the R call.  jsonlite
# digits = NA (15 significant digits), NA -> null.  The test-suite only reads the JSON files.
#
# The multilevel package (Bliese) is not installed here (it is not in Debian bookworm and CRAN
# is unreachable), so ICC(1)/ICC(2) and rwg/rwg(j) are written out below from their published
# formulas; ICC(1) with the mean group size and ICC(2) are cross-checked against
# psych::statsBy (an independent implementation), rwg/rwg(j) against a hand-worked example
# (stopifnot, see section 2).
# =============================================================================

suppressPackageStartupMessages({
  library(survey)
  library(psych)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
out_dir <- sub("/+$", "", if (length(args) >= 1) args[[1]] else "survey")
if (!dir.exists("data")) stop("run this script from tests/reference/")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

save_json <- function(obj, name) {
  target <- file.path(out_dir, paste0(name, ".json"))
  writeLines(toJSON(obj, digits = NA, auto_unbox = TRUE, null = "null",
                    na = "null", pretty = TRUE), target)
  message("  wrote ", target)
}

# ---------------------------------------------------------------------------
# 0. Data: the api samples as CSV (read back, so R uses exactly the committed files)
# ---------------------------------------------------------------------------
data(api)
api_cols <- c("cds", "stype", "dnum", "snum", "api00", "api99", "enroll", "meals", "avg.ed",
              "sch.wide", "comp.imp", "awards")
tidy_names <- function(d) { names(d) <- gsub(".", "_", names(d), fixed = TRUE); d }
write_api <- function(d, extra, file) {
  d <- tidy_names(d[, c(api_cols, extra)])
  write.csv(d, file.path("data", file), row.names = FALSE, na = "")
}
clus1 <- apiclus1
districts <- sort(unique(clus1$dnum))
clus1$lonely_stratum <- ifelse(clus1$dnum == districts[1], "A",
                               ifelse(clus1$dnum %in% districts[2:7], "B", "C"))
write_api(apistrat, c("pw", "fpc"), "apistrat.csv")
write_api(clus1, c("pw", "fpc", "lonely_stratum"), "apiclus1.csv")
write_api(apiclus2, c("pw", "fpc1", "fpc2"), "apiclus2.csv")
read_api <- function(file) read.csv(file.path("data", file), na.strings = "", stringsAsFactors = TRUE)
strat <- read_api("apistrat.csv")
clus1 <- read_api("apiclus1.csv")
clus2 <- read_api("apiclus2.csv")

# ---------------------------------------------------------------------------
# 1. Design-based descriptives
# ---------------------------------------------------------------------------
stat_rows <- function(s, variable) {
  # one record per coefficient of a svystat (svymean / svytotal with deff = TRUE)
  est <- coef(s); ci <- confint(s)
  lapply(seq_along(est), function(i) list(
    variable = variable, name = names(est)[i], estimate = unname(est[i]),
    se = unname(SE(s)[i]), deff = unname(deff(s)[i]),
    ci_lower = unname(ci[i, 1]), ci_upper = unname(ci[i, 2])))
}
by_rows <- function(b, variable) {
  # one record per (group, coefficient) of a svyby with deff = TRUE; coef names are "group:name"
  est <- coef(b); ci <- confint(b)
  se <- as.vector(as.matrix(SE(b))); de <- as.vector(as.matrix(deff(b)))
  parts <- strsplit(names(est), ":", fixed = TRUE)
  lapply(seq_along(est), function(i) list(
    group = parts[[i]][1], variable = variable, name = parts[[i]][2], estimate = unname(est[i]),
    se = se[i], deff = de[i], ci_lower = unname(ci[i, 1]), ci_upper = unname(ci[i, 2])))
}
flat <- function(l) do.call(c, l)

design_block <- function(des, call, data_file, numeric, categorical, by) {
  f <- function(v) as.formula(paste0("~", v))
  list(
    data = data_file, call = call, degf = degf(des), n = nrow(des$variables),
    numeric = numeric, categorical = categorical, by = by,
    mean = flat(lapply(numeric, function(v) stat_rows(svymean(f(v), des, na.rm = TRUE, deff = TRUE), v))),
    total = flat(lapply(numeric, function(v) stat_rows(svytotal(f(v), des, na.rm = TRUE, deff = TRUE), v))),
    proportions = flat(lapply(categorical, function(v)
      stat_rows(svymean(f(v), des, na.rm = TRUE, deff = TRUE), v))),
    by_mean = flat(lapply(numeric, function(v)
      by_rows(svyby(f(v), f(by), des, svymean, na.rm = TRUE, deff = TRUE), v))),
    by_total = flat(lapply(numeric, function(v)
      by_rows(svyby(f(v), f(by), des, svytotal, na.rm = TRUE, deff = TRUE), v))),
    by_proportions = flat(lapply(categorical, function(v)
      by_rows(svyby(f(v), f(by), des, svymean, na.rm = TRUE, deff = TRUE), v)))
  )
}

options(survey.lonely.psu = "fail")   # R's default
designs <- list(
  stratified = design_block(
    svydesign(ids = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = strat),
    "svydesign(ids = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)", "apistrat.csv",
    c("api00", "enroll", "meals"), c("sch_wide", "comp_imp"), "awards"),
  stratified_cluster = design_block(
    svydesign(ids = ~dnum, strata = ~stype, weights = ~pw, nest = TRUE, data = strat),
    "svydesign(ids = ~dnum, strata = ~stype, weights = ~pw, nest = TRUE, data = apistrat)", "apistrat.csv",
    c("api00", "enroll"), c("sch_wide"), "awards"),
  cluster_one_stage = design_block(
    svydesign(ids = ~dnum, weights = ~pw, fpc = ~fpc, data = clus1),
    "svydesign(ids = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)", "apiclus1.csv",
    c("api00", "enroll", "avg_ed"), c("sch_wide", "awards"), "stype"),
  cluster_no_fpc = design_block(
    svydesign(ids = ~dnum, weights = ~pw, data = clus1),
    "svydesign(ids = ~dnum, weights = ~pw, data = apiclus1)", "apiclus1.csv",
    c("api00", "avg_ed"), c("sch_wide"), "stype"),
  cluster_two_stage = design_block(
    svydesign(ids = ~dnum + snum, fpc = ~fpc1 + fpc2, data = clus2),
    "svydesign(ids = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)  # weights from the fpc",
    "apiclus2.csv", c("api00", "enroll"), c("sch_wide", "stype"), "awards"),
  weights_only = design_block(
    svydesign(ids = ~1, weights = ~pw, data = strat),
    "svydesign(ids = ~1, weights = ~pw, data = apistrat)", "apistrat.csv",
    c("api00", "enroll"), c("stype"), "sch_wide")
)

# the weights R derives for the two-stage design (1 / product of the stages' sampling fractions)
clus2_design <- svydesign(ids = ~dnum + snum, fpc = ~fpc1 + fpc2, data = clus2)
designs$cluster_two_stage$weights <- unname(weights(clus2_design))

# lonely PSUs: stratum A of apiclus1$lonely_stratum has one district
lonely_design <- svydesign(ids = ~dnum, strata = ~lonely_stratum, weights = ~pw, data = clus1)
fail_message <- tryCatch({ svymean(~api00, lonely_design); "no error" },
                         error = function(e) conditionMessage(e))
lonely <- list(
  data = "apiclus1.csv",
  call = "svydesign(ids = ~dnum, strata = ~lonely_stratum, weights = ~pw, data = apiclus1)",
  fail = fail_message)
for (opt in c("adjust", "remove", "certainty", "average")) {
  options(survey.lonely.psu = opt)
  lonely[[opt]] <- list(
    call = sprintf('options(survey.lonely.psu = "%s")', opt),
    mean = stat_rows(svymean(~api00, lonely_design, deff = TRUE), "api00"),
    total = stat_rows(svytotal(~api00, lonely_design, deff = TRUE), "api00"),
    by_mean = by_rows(svyby(~api00, ~stype, lonely_design, svymean, deff = TRUE), "api00"))
}
options(survey.lonely.psu = "fail")

save_json(list(
  case = "design",
  description = paste(
    "R survey package on its api data: svymean/svytotal(~v, design, na.rm = TRUE, deff = TRUE),",
    "svymean(~factor, ...) for the proportions of each category, svyby(~v, ~by, design, FUN,",
    "na.rm = TRUE, deff = TRUE); SE(), deff(), confint() (level 0.95, normal quantile, df = Inf);",
    "degf(design). Each variable is estimated alone (na.rm drops the rows missing that variable)."),
  options = list(survey.lonely.psu = "fail (R's default) unless a lonely block says otherwise",
                 survey.adjust.domain.lonely = FALSE, survey.ultimate.cluster = FALSE),
  designs = designs,
  lonely = lonely
), "design")

# ---------------------------------------------------------------------------
# 2. Aggregation statistics: ICC(1), ICC(2), rwg, rwg(j)
# ---------------------------------------------------------------------------
# The formulas, written out (the multilevel package is not available here):
#   one-way ANOVA of y on the group:  MSB, MSW with df J - 1 and N - J
#   ICC(1) = (MSB - MSW) / (MSB + (k - 1) MSW)
#     k = N / J (the mean group size: multilevel::ICC1 and psych::statsBy), or
#     k = (N - sum(n_j^2) / N) / (J - 1) (the "adjusted" size of the ANOVA variance-component
#     estimator for unequal groups; Snedecor & Cochran; equals N / J for equal groups)
#   ICC(2) = (MSB - MSW) / MSB
#   rwg   = 1 - s^2 / sigma_EU^2 for one item (James, Demaree & Wolf, 1984, eq. 1)
#   rwg(j) = J (1 - mean(s_j^2) / sigma_EU^2) / (J (1 - mean(s_j^2) / sigma_EU^2) + mean(s_j^2) / sigma_EU^2)
#     (James, Demaree & Wolf, 1984, eq. 8; s^2 with the n - 1 divisor)
#   sigma_EU^2 = (A^2 - 1) / 12 for A response options (the uniform null)
#   An observed variance above sigma_EU^2 is truncated to it (rwg = 0), as James et al. (1984)
#   and LeBreton & Senter (2008) recommend; a group of one member has no rwg (NA).
set.seed(20260614)
n_branches <- 40
sizes <- c(sample(3:22, n_branches - 2, replace = TRUE), 4, 1)
branch <- rep(sprintf("b%02d", seq_len(n_branches)), sizes)
u_exe <- rep(rnorm(n_branches, 0, 0.25), sizes)
u_org <- rep(rnorm(n_branches, 0, 0.20), sizes)
n <- length(branch)
likert <- function(latent, points) {
  pmin(points, pmax(1, round((points + 1) / 2 + latent * (points - 1) / 4)))
}
sim <- data.frame(branch = branch)
for (i in 1:4) sim[[paste0("exe_", i)]] <- likert(u_exe + rnorm(n, 0, 0.8), 5)
for (i in 1:3) sim[[paste0("org_", i)]] <- likert(u_org + rnorm(n, 0, 0.8), 7)
sim[sim$branch == "b39", paste0("exe_", 1:4)] <- c(1, 5, 1, 5)
items_all <- c(paste0("exe_", 1:4), paste0("org_", 1:3))
for (v in items_all) sim[[v]][sample(n, round(0.03 * n))] <- NA
write.csv(sim, file.path("data", "branches.csv"), row.names = FALSE, na = "")
br <- read.csv(file.path("data", "branches.csv"), na.strings = "", stringsAsFactors = FALSE)

icc_block <- function(y, g) {
  ok <- !is.na(y)
  y <- y[ok]; g <- factor(g[ok])
  fit <- aov(y ~ g)
  tab <- summary(fit)[[1]]
  msb <- tab[1, "Mean Sq"]; msw <- tab[2, "Mean Sq"]
  nj <- as.vector(table(g)); N <- sum(nj); J <- length(nj)
  k_mean <- N / J
  k_adj <- (N - sum(nj^2) / N) / (J - 1)
  icc1 <- function(k) (msb - msw) / (msb + (k - 1) * msw)
  list(n = N, groups = J, df_between = tab[1, "Df"], df_within = tab[2, "Df"],
       ms_between = msb, ms_within = msw, f = tab[1, "F value"], p_value = tab[1, "Pr(>F)"],
       k_mean = k_mean, k_adjusted = k_adj,
       icc1_mean = icc1(k_mean), icc1_adjusted = icc1(k_adj), icc2 = (msb - msw) / msb)
}

rwg_groups <- function(x, g, ranvar) {
  # x: a matrix of items (one column = rwg, several = rwg(j)); rows with a missing item dropped
  x <- as.matrix(x)
  ok <- complete.cases(x)
  x <- x[ok, , drop = FALSE]; g <- g[ok]
  J <- ncol(x)
  lapply(split(seq_len(nrow(x)), g), function(idx) {
    q <- x[idx, , drop = FALSE]
    if (nrow(q) < 2) return(list(size = nrow(q), mean_variance = NA, truncated = NA, value = NA))
    s <- mean(apply(q, 2, var))
    trunc <- s > ranvar
    s <- min(s, ranvar)
    value <- if (J == 1) 1 - s / ranvar else (J * (1 - s / ranvar)) / (J * (1 - s / ranvar) + s / ranvar)
    list(size = nrow(q), mean_variance = mean(apply(q, 2, var)), truncated = trunc, value = value)
  })
}
rwg_summary <- function(groups, cutoff = 0.70) {
  v <- sapply(groups, function(r) r$value)
  v <- v[!is.na(v)]
  list(groups_with_value = length(v), mean = mean(v), median = median(v),
       share_at_or_above = mean(v >= cutoff), cutoff = cutoff)
}
construct_block <- function(items, points) {
  ranvar <- (points^2 - 1) / 12
  x <- br[, items]
  cc <- complete.cases(x)
  score <- rowMeans(x)
  groups_j <- rwg_groups(x, br$branch, ranvar)
  # statsBy needs two or more variables besides the group: the first item goes along
  sb <- statsBy(data.frame(branch = br$branch[cc], score = score[cc], first_item = x[cc, 1]), group = "branch")
  blk <- list(
    items = items, points = points, sigma_eu2 = ranvar,
    score_icc = icc_block(score, br$branch),
    psych_statsBy = list(ICC1 = unname(sb$ICC1["score"]), ICC2 = unname(sb$ICC2["score"]),
                         call = "statsBy(data.frame(branch, score = rowMeans(items), first_item)[complete rows, ], group = \"branch\")"),
    item_icc = lapply(setNames(items, items), function(v) icc_block(br[[v]], br$branch)),
    rwg_j = list(groups = groups_j, summary = rwg_summary(groups_j)),
    rwg = lapply(setNames(items, items), function(v) {
      gr <- rwg_groups(br[[v]], br$branch, ranvar)
      list(groups = gr, summary = rwg_summary(gr))
    }))
  # cross-checks: ICC(1) with k = N / J and ICC(2) equal psych's (an independent implementation)
  stopifnot(abs(blk$score_icc$icc1_mean - blk$psych_statsBy$ICC1) < 1e-12,
            abs(blk$score_icc$icc2 - blk$psych_statsBy$ICC2) < 1e-12)
  blk
}

# hand-worked check of the rwg formulas: five raters answer 4, 4, 5, 5, 4 on a 5-point item:
# s^2 = (3 * 0.16 + 2 * 0.36) / 4 = 0.3, sigma_EU^2 = (25 - 1) / 12 = 2, rwg = 1 - 0.3 / 2 = 0.85;
# three such items: rwg(3) = 3 * 0.85 / (3 * 0.85 + 0.15) = 2.55 / 2.7 = 0.9444...
hand <- rwg_groups(matrix(c(4, 4, 5, 5, 4), ncol = 1), rep("g", 5), 2)$g$value
hand_j <- rwg_groups(matrix(rep(c(4, 4, 5, 5, 4), 3), ncol = 3), rep("g", 5), 2)$g$value
stopifnot(abs(hand - 0.85) < 1e-15, abs(hand_j - 2.55 / 2.7) < 1e-15)

save_json(list(
  case = "aggregation",
  description = paste(
    "ICC(1), ICC(2) from aov(y ~ factor(branch)) (rows with y missing dropped) with k = N / J",
    "(multilevel::ICC1, psych::statsBy) and k = (N - sum(n_j^2) / N) / (J - 1); rwg and rwg(j)",
    "(James, Demaree & Wolf 1984) per branch with sigma_EU^2 = (A^2 - 1) / 12, truncated at",
    "sigma_EU^2, rows missing an item of the set dropped, groups of one member NA; summaries over",
    "the branches with a value (share_at_or_above: rwg >= .70). Construct scores = rowMeans of",
    "the items on complete rows."),
  data = "branches.csv",
  hand_example = list(ratings = c(4, 4, 5, 5, 4), points = 5, rwg = hand, items = 3, rwg_j = hand_j),
  constructs = list(exe = construct_block(paste0("exe_", 1:4), 5),
                    org = construct_block(paste0("org_", 1:3), 7))
), "aggregation")

save_json(list(
  R = R.version.string,
  survey = as.character(packageVersion("survey")),
  psych = as.character(packageVersion("psych")),
  jsonlite = as.character(packageVersion("jsonlite")),
  platform = R.version$platform,
  generated_by = "make_design_reference.R"
), "VERSIONS")
message("done")
