* Makes tests/data/fixtures/pspp_labelled.sav, pspp_labelled.zsav and pspp_english.por,
* and pspp_missing.sav and pspp_missing.por (see the second part below),
* with GNU PSPP, so that the readers are tested on files written by other software.
* Run from the repository root:   pspp tests/data/make_fixtures.sps
* Made with GNU PSPP 1.6.2 (Debian 12 package pspp 1.6.2-2).
*
* The data are respondents 1-30 of the shipped, SIMULATED demo survey
* (tests/data/fixtures/demo_survey_2025.csv): respondent_id, ide_1 to ide_5, region,
* years_member, with four answers changed to the user-missing codes 8 (不清楚, don't know)
* and 9 (拒答, refused): respondent 3 ide_2 = 8, respondent 7 ide_4 = 9,
* respondent 20 ide_5 = 9, respondent 25 ide_1 = 8.  The string variable note holds a
* few Chinese free-text answers.  ide_5 has value labels on the scale poles only.
* years_member declares a missing range (90 THRU HIGHEST), absent from the data.
*
* The syntax file is UTF-8; PSPP writes the .sav in UTF-8 (character set code 65001).
* The portable file (.por) cannot hold Chinese text, so pspp_english.por carries the
* same data with English labels only.

SET LOCALE='UTF-8'.

DATA LIST LIST /respondent_id (F3.0) ide_1 ide_2 ide_3 ide_4 ide_5 region (F1.0) years_member (F2.0) note (A60).
BEGIN DATA
1 3 3 4 4 3 1 25 "支部学习很扎实"
2 4 3 4 4 4 1 38 ""
3 4 8 3 2 4 1 17 ""
4 2 1 1 2 1 1 28 ""
5 4 2 4 4 3 2 11 "工作太忙"
6 3 2 4 4 5 2 17 ""
7 4 1 3 9 3 1 27 ""
8 3 3 2 4 3 1 10 ""
9 4 1 4 3 3 1 3 ""
10 4 2 2 3 5 1 8 ""
11 4 3 5 3 4 1 25 ""
12 3 2 4 3 4 1 28 "希望多联系实际"
13 3 2 4 5 5 1 23 ""
14 5 1 4 5 5 1 7 ""
15 5 2 4 5 4 2 8 ""
16 3 4 2 3 4 1 25 ""
17 3 2 4 4 4 2 7 ""
18 3 4 4 3 3 2 6 ""
19 4 1 4 5 4 1 8 ""
20 3 2 3 2 9 1 8 ""
21 4 1 3 3 4 1 21 ""
22 3 2 4 4 4 2 10 ""
23 5 1 5 5 5 1 10 ""
24 4 2 4 4 4 1 20 ""
25 8 2 3 2 3 1 9 ""
26 3 2 2 4 4 1 14 ""
27 5 1 5 5 5 1 15 ""
28 3 2 3 4 3 1 24 ""
29 2 4 2 1 1 1 60 ""
30 4 2 4 4 4 1 4 ""
END DATA.

FILE LABEL '基层党组织执行力调查（PSPP 测试文件）'.
VARIABLE LABELS
  respondent_id '答卷编号'
  ide_1 '我所在的党支部按照固定的计划开展政治理论学习。'
  ide_2 '工作一忙，我所在党支部的理论学习就常被业务工作挤掉。'
  ide_3 '我所在的党支部在理论学习中注重联系工作中的实际问题。'
  ide_4 '参加党支部组织的理论学习后，我确实有所收获。'
  ide_5 '在日常工作中，我时刻记得自己是一名共产党员。'
  region '地区'
  years_member '党龄（年）'
  note '其他意见'.
VALUE LABELS
  ide_1 TO ide_4 1 '非常不同意' 2 '不同意' 3 '一般' 4 '同意' 5 '非常同意' 8 '不清楚' 9 '拒答'
  /ide_5 1 '非常不同意' 5 '非常同意' 8 '不清楚' 9 '拒答'
  /region 1 '城市' 2 '农村'.
MISSING VALUES ide_1 TO ide_5 (8, 9).
MISSING VALUES years_member (90 THRU HIGHEST).
VARIABLE LEVEL ide_1 TO ide_5 (ORDINAL) /region (NOMINAL) /years_member (SCALE) /respondent_id (NOMINAL).

SAVE OUTFILE='tests/data/fixtures/pspp_labelled.sav'.
SAVE OUTFILE='tests/data/fixtures/pspp_labelled.zsav' /ZCOMPRESSED.

FILE LABEL 'Execution capacity survey (PSPP test file)'.
VARIABLE LABELS
  respondent_id 'Respondent ID'
  ide_1 'My Party branch holds political theory study according to a fixed schedule.'
  ide_2 "When work gets busy, my Party branch's theory study is often crowded out by routine work."
  ide_3 'In theory study, my Party branch makes a point of linking it to practical problems in our work.'
  ide_4 'After taking part in theory study organized by my Party branch, I genuinely come away having learned something.'
  ide_5 'In my daily work, I always keep in mind that I am a member of the Communist Party.'
  region 'Region of the organization'
  years_member 'Years of Party membership'.
VALUE LABELS
  ide_1 TO ide_5 1 'Strongly disagree' 5 'Strongly agree' 8 "Don't know" 9 'Refused'
  /region 1 'Urban' 2 'Rural'.
EXPORT OUTFILE='tests/data/fixtures/pspp_english.por' /DROP=note.

* Second part: pspp_missing.sav and pspp_missing.por, the same small data set (4 made-up
* rows, no respondents) as a system file and a portable file, declaring every kind of
* user-missing value: two discrete codes, a range, LO THRU x, x THRU HI, fractional codes,
* a range with a discrete code, and string codes; with value labels on numeric and string
* variables, a document and a weight variable.  Each declared code occurs in the data.
* PSPP 1.6.2 writes 'x THRU HIGHEST' into a portable file as 1.797693134862316e+308 THRU
* HIGHEST (its writer puts the upper end where x belongs), so the .por's INCOME range
* differs from the .sav's 99999 THRU HIGHEST; the tests assert both as written.

NEW FILE.
DATA LIST LIST /id (F3.0) q1 q2 q3 (F1.0) income (F6.0) score (F6.2) age (F3.0) answer (A3) city (A8) wt (F1.0).
BEGIN DATA
1 1 2 3 1200 12.5 25 "yes" "Beijing" 1
2 8 7 0 99999 99.99 -1 "DK" "Shanghai" 2
3 9 9 -2 150000 -0.25 998 "NA" "Wuhan" 1
4 2 8 4 880 3.75 41 "no" "Xi'an" 1
END DATA.
FILE LABEL 'Missing-value declarations (PSPP test file)'.
VARIABLE LABELS q1 'Two discrete codes' /q2 'A range: 7 THRU 9' /q3 'LO THRU 0' /income '99999 THRU HI'
  /score 'A fractional code' /age 'A range and a code' /answer 'String codes' /city 'City name'.
VALUE LABELS q1 TO q3 1 'Low' 4 'High' 8 "Don't know" 9 'Refused'
  /answer 'yes' 'Yes' 'no' 'No' 'DK' "Don't know" 'NA' 'Not asked'.
MISSING VALUES q1 (8, 9) /q2 (7 THRU 9) /q3 (LO THRU 0) /income (99999 THRU HI) /score (99.99, -0.25)
  /age (997 THRU 999, -1) /answer ('DK', 'NA').
DOCUMENT Made by tests/data/make_fixtures.sps.
WEIGHT BY wt.
SAVE OUTFILE='tests/data/fixtures/pspp_missing.sav'.
EXPORT OUTFILE='tests/data/fixtures/pspp_missing.por'.
