// The registry of built-in detectors: every signature detector keikai ships is listed here, and
// nowhere else. The lists themselves are in lists.cc.
#include <string>
#include <vector>

#include "detect/checks.h"
#include "detect/lists.h"
#include "keikai/detect/detector.h"

namespace keikai::detect {
namespace {

// Derived pattern storage (built once, immutable afterwards).
struct Derived {
  std::vector<std::string> backdoor_store;
  std::vector<std::string_view> backdoors;
  std::vector<std::string_view> cve_paths;
  std::vector<std::string_view> cve_ids;
  Derived() {
    for (std::string_view n : lists::BackdoorNames()) backdoor_store.push_back("/" + std::string(n));
    for (const std::string& s : backdoor_store) backdoors.push_back(s);
    for (const lists::CvePath& c : lists::CvePaths()) {
      cve_paths.push_back(c.pattern);
      cve_ids.push_back(c.cve);
    }
  }
};

const Derived& D() {
  static const Derived* d = new Derived();
  return *d;
}

std::vector<DetectorSpec> MakeBuiltins() {
  using AC = AttackClass;
  const Derived& d = D();
  std::vector<DetectorSpec> specs = {
      {"ua-scanner", AC::kScanner, Field::kUserAgent, Match::kContains, StatusCond::kAny,
       "user agent of a vulnerability scanner or attack tool",
       "脆弱性スキャナ・攻撃ツールのユーザーエージェント", lists::ScannerAgents()},
      {"ua-bad-bot", AC::kBadBot, Field::kUserAgent, Match::kContains, StatusCond::kAny,
       "user agent of an abusive bot, scraper or harvester",
       "悪質なボット・スクレイパー・収集ツールのユーザーエージェント", lists::BadBotAgents()},
      {"ua-scripted", AC::kBadBot, Field::kUserAgent, Match::kPrefix, StatusCond::kAny,
       "user agent of an HTTP library used by scripts and bots",
       "スクリプトやボットが使う HTTP ライブラリのユーザーエージェント",
       lists::ScriptedAgentPrefixes()},
      {"sensitive-file", AC::kProbe, Field::kPath, Match::kSuffix, StatusCond::kAny,
       "request for a sensitive file (secrets, backups, source control)",
       "機密ファイル（認証情報・バックアップ・ソース管理）へのリクエスト",
       lists::SensitiveFileSuffixes()},
      {"sensitive-dir", AC::kProbe, Field::kPath, Match::kSegment, StatusCond::kAny,
       "request into a sensitive directory", "機密ディレクトリへのリクエスト",
       lists::SensitiveDirSegments()},
      {"admin-probe", AC::kProbe, Field::kPath, Match::kSegment, StatusCond::kNotFound,
       "probing for an admin interface the site does not have",
       "サイトに存在しない管理画面の探索", lists::AdminInterfaces()},
      {"sensitive-pattern", AC::kProbe, Field::kPath, Match::kRegex, StatusCond::kAny,
       "request for a sensitive file family (dotenv, histories, dumps, VCS)",
       "機密ファイル群（dotenv・履歴・ダンプ・バージョン管理）へのリクエスト",
       lists::SensitivePatterns()},
      {"backdoor-pattern", AC::kBackdoor, Field::kPath, Match::kRegex, StatusCond::kAny,
       "request for a file named like a web shell", "Web シェルらしい名前のファイルへのリクエスト",
       lists::BackdoorPatterns()},
      {"backdoor", AC::kBackdoor, Field::kPath, Match::kSuffix, StatusCond::kAny,
       "request for a known web shell or backdoor file name",
       "既知の Web シェル・バックドアのファイル名へのリクエスト", d.backdoors},
      {"cve-probe", AC::kExploit, Field::kTarget, Match::kContains, StatusCond::kAny,
       "probe of a known vulnerability (CVE) path", "既知の脆弱性（CVE）を狙うパスへのリクエスト",
       d.cve_paths, d.cve_ids},
      {"traversal-encoded", AC::kLfi, Field::kRawTarget, Match::kContains, StatusCond::kAny,
       "encoded path traversal", "エンコードされたパストラバーサル", lists::RawTraversal()},
      {"traversal", AC::kLfi, Field::kTarget, Match::kContains, StatusCond::kAny,
       "path traversal or local file inclusion", "パストラバーサル・ローカルファイルインクルージョン",
       lists::DecodedTraversal()},
      {"sqli-probe", AC::kSqli, Field::kTarget, Match::kContains, StatusCond::kAny,
       "SQL injection probe", "SQL インジェクションの試行", lists::SqliMarkers()},
      {"xss-probe", AC::kXss, Field::kTarget, Match::kContains, StatusCond::kAny,
       "cross-site scripting probe", "クロスサイトスクリプティングの試行", lists::XssMarkers()},
      {"rce-probe", AC::kRce, Field::kTarget, Match::kContains, StatusCond::kAny,
       "command or code injection in the request", "リクエスト内のコマンド・コード実行の試行",
       lists::RceMarkers()},
      {"rce-ua", AC::kRce, Field::kUserAgent, Match::kContains, StatusCond::kAny,
       "command or code injection in the user agent (e.g. Log4Shell)",
       "ユーザーエージェント内のコマンド・コード実行（Log4Shell など）", lists::RceMarkers()},
  };
  // The value checks (checks.cc): decided by code, after the pattern lists.
  for (const CheckSpec& c : Checks()) {
    DetectorSpec x{c.id, c.cls, (c.on & kOnHeaders) != 0 ? Field::kUserAgent : (c.on & kOnPath) != 0 ? Field::kTarget : Field::kQuery,
                   Match::kCheck, StatusCond::kAny, c.help_en, c.help_ja, {}};
    x.check = c.fn;
    x.check_on = c.on;
    specs.push_back(x);
  }
  return specs;
}

}  // namespace

std::span<const DetectorSpec> Builtins() {
  static const std::vector<DetectorSpec>* specs = new std::vector<DetectorSpec>(MakeBuiltins());
  return *specs;
}

}  // namespace keikai::detect
