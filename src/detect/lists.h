#pragma once
// keikai's own built-in lists (internal to src/detect/). Tool names and probed paths are facts;
// these lists were compiled for keikai and are reviewed like code. Coverage against CrowdSec's
// and CRS's lists is measured in tests/detect_coverage_test.cc (they are not copied here).
//
// Every string is lowercase ASCII. Match semantics per list are given below; builtin.cc wires
// each list to a detector.

#include <span>
#include <string_view>

namespace keikai::detect::lists {

// User-agent substrings of vulnerability scanners and attack tools (sqlmap, nikto, nuclei...).
// Matched as "contains" on the lowercased user agent.
std::span<const std::string_view> ScannerAgents();
// User-agent substrings of abusive bots, scrapers, spam/SEO harvesters and download tools.
// Matched as "contains" on the lowercased user agent.
std::span<const std::string_view> BadBotAgents();
// User-agent prefixes of HTTP libraries used by scripts and bots (python-requests/,
// go-http-client/, ...). Matched as "prefix" on the lowercased user agent.
std::span<const std::string_view> ScriptedAgentPrefixes();
// Sensitive files: path suffixes probed to steal secrets or source (/.env, /.git/config,
// .sql, .bak ...). Matched as "suffix" on the decoded, lowercased path.
std::span<const std::string_view> SensitiveFileSuffixes();
// Sensitive directories: path segments whose mere request is probing (/.git/, /.svn/, /.aws/).
// Matched as "segment" (the segment sequence appears as whole segments) on the path.
std::span<const std::string_view> SensitiveDirSegments();
// Admin interfaces and management consoles probed by scanners (/phpmyadmin, /manager/html ...).
// Matched as "segment" on the path, and only counted when the response is 4xx (probing).
std::span<const std::string_view> AdminInterfaces();
// File names of known web shells / backdoors (c99.php, r57.php, wso.php ...).
// Matched as "suffix" on the path with a leading '/', i.e. the last segment equals the name.
std::span<const std::string_view> BackdoorNames();

// Generic regexes (Vectorscan syntax, case-insensitive) for families the name lists cannot
// enumerate: dotenv variants, home-directory rc/history files, database dumps, VCS and tool
// directories (SensitivePatterns); web shells by their naming habits (BackdoorPatterns).
// Matched on the decoded, lowercased path.
std::span<const std::string_view> SensitivePatterns();
std::span<const std::string_view> BackdoorPatterns();

struct CvePath {
  std::string_view pattern;  // lowercase path (or path+query) substring that identifies the probe
  std::string_view cve;      // "CVE-2021-41773" (or a vendor advisory id when there is no CVE)
};
// Known-CVE probe paths. Matched as "contains" on the decoded, lowercased path.
std::span<const CvePath> CvePaths();

// Path-traversal markers, matched as "contains" on the raw lowercased target (so encoded forms
// like %2e%2e%2f are seen) -- RawTraversal; and on the decoded path/query -- DecodedTraversal
// (e.g. "../", "/etc/passwd", "win.ini").
std::span<const std::string_view> RawTraversal();
std::span<const std::string_view> DecodedTraversal();
// SQL-injection probe markers, matched as "contains" on the decoded, lowercased query.
std::span<const std::string_view> SqliMarkers();
// XSS probe markers, matched as "contains" on the decoded, lowercased query and path.
std::span<const std::string_view> XssMarkers();
// Command/code-injection markers (Log4Shell ${jndi:, shell metacharacter sequences, PHP wrappers,
// ThinkPHP invokefunction ...), "contains" on the decoded lowercased query, path and user agent.
std::span<const std::string_view> RceMarkers();

}  // namespace keikai::detect::lists
