#pragma once
// The surge alert as a sentence a person can forward, in the current language, e.g.
//   2022年2月16日以降、ボット・脆弱性スキャンなどによる攻撃が過去3か月平均の約25倍に急増しています
//   (shop.example.jp)
// and the numbers behind it (peak day, baseline, p-value, first alarm, top sources). Used by
// the text and JSON reports and by alert channels.

#include <string>

#include "keikai/report/model.h"

namespace keikai::report {

// The sentence names the period the baseline covers: "the previous three months" only when it
// does, else "the previous N days" followed by ShortHistoryNote.
std::string SurgeAlertSentence(const Surge& s);
std::string ShortHistoryNote(const Surge& s);
// "the previous three months" / "過去3か月", "the previous 10 days" / "過去10日間".
std::string BaselinePeriod(const Surge& s);
std::string SurgeAlertDetails(const Surge& s);
// "2022年2月16日" / "16 February 2022".
std::string LongDate(Day day);
// "25" for ratios >= 10, "3.4" below.
std::string RoundedRatio(double r);

}  // namespace keikai::report
