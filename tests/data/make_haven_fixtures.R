# Makes tests/data/fixtures/haven_labelled.sav and haven_labelled.dta with R haven, so that
# the readers are tested on files written by other software (not pyreadstat, not surveykit).
# Run from the repository root:   Rscript tests/data/make_haven_fixtures.R
# Made with R version 4.2.2 Patched (2022-11-10 r83330) and haven 2.5.1.
#
# The data are respondents 1-30 of the shipped, SIMULATED demo survey
# (tests/data/fixtures/demo_survey_2025.csv), columns respondent_id, org_1 to org_5, role,
# with four answers changed to the missing codes 8 (不清楚) and 9 (拒答):
# respondent 2 org_1 = 8, respondent 9 org_3 = 9, respondent 14 org_4 = 8,
# respondent 30 org_5 = 9.
#   .sav: labelled_spss columns with user-missing na_values = c(8, 9), Chinese variable and
#         value labels (UTF-8); org_5 labels only the scale poles.  (haven 2.5.1 writes no
#         file label to .sav files.)
#   .dta: Stata has no user-missing codes: 8 and 9 are written as the extended missing
#         values .a (不清楚) and .b (拒答) with value labels; variable labels in Chinese.
library(haven)

demo <- read.csv("tests/data/fixtures/demo_survey_2025.csv", fileEncoding = "UTF-8")[1:30, ]
d <- demo[, c("respondent_id", "org_1", "org_2", "org_3", "org_4", "org_5", "role")]
d$org_1[2] <- 8
d$org_3[9] <- 9
d$org_4[14] <- 8
d$org_5[30] <- 9

texts <- c(
  org_1 = "我所在的党组织发展党员时严格按照党员标准把关。",
  org_2 = "对经教育仍不合格的党员，我所在的党组织会按规定予以清退。",
  org_3 = "我所在的党组织选拔干部的过程公开透明。",
  org_4 = "我所在的党组织，重大事项往往由“一把手”一个人说了算。",
  org_5 = "在党支部会议上，党员可以放心地提出不同意见。"
)
agree <- c("非常不同意" = 1, "不同意" = 2, "一般" = 3, "同意" = 4, "非常同意" = 5, "不清楚" = 8, "拒答" = 9)
poles <- c("非常不同意" = 1, "非常同意" = 5, "不清楚" = 8, "拒答" = 9)
roles <- c("党支部书记" = 1, "支部委员" = 2, "普通党员" = 3)

sav <- d
for (v in names(texts)) {
  sav[[v]] <- labelled_spss(as.numeric(d[[v]]), labels = if (v == "org_5") poles else agree,
                            na_values = c(8, 9), label = texts[[v]])
}
sav$respondent_id <- labelled(as.numeric(d$respondent_id), label = "答卷编号")
sav$role <- labelled(as.numeric(d$role), labels = roles, label = "在党组织中的角色")
write_sav(sav, "tests/data/fixtures/haven_labelled.sav")

dta <- d
for (v in names(texts)) {
  x <- as.numeric(d[[v]])
  x[x == 8] <- tagged_na("a")
  x[x == 9] <- tagged_na("b")
  dta[[v]] <- labelled(x, labels = c("非常不同意" = 1, "不同意" = 2, "一般" = 3, "同意" = 4, "非常同意" = 5,
                                      "不清楚" = tagged_na("a"), "拒答" = tagged_na("b")),
                       label = texts[[v]])
}
dta$respondent_id <- labelled(as.numeric(d$respondent_id), label = "答卷编号")
dta$role <- labelled(as.numeric(d$role), labels = roles, label = "在党组织中的角色")
write_dta(dta, "tests/data/fixtures/haven_labelled.dta", version = 15, label = "haven test file")
