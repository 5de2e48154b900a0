#pragma once
// The daemon's configuration (keikai run, issue 13): one YAML file with the sites and their
// logs, the mail logs and services, detection and surge settings, retention, alert channels,
// metrics, the store, the language, the zone and the home country. docs/config.md documents
// every key (type, default, example); docs/keikai.example.yaml is a complete example that the
// tests validate.
//
// Reading never stops at the first problem: every problem is collected with the file, line,
// column and key path it concerns and why (in the user's language), so that one
// `keikai config check` shows all of them. Bounded: files above 1 MiB, flow nesting deeper than
// 64, more than 10,000 entries in a list, and more than 100 problems are refused.

#include <cstdint>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

#include "keikai/pipeline/scan.h"

namespace keikai::config {

struct LogFile {
  std::string path;        // a file; rotated siblings (path.1, path.2.gz) are found by the daemon
  std::string format;      // a format name or an nginx log_format string; "" = detected
  int line = 0;            // where it was given (for messages)
};

struct Site {
  std::string name;
  std::vector<LogFile> logs;
  std::vector<std::string> trusted_proxies;  // CIDR prefixes whose X-Forwarded-For is believed
};

struct MailService {
  std::string name;
  std::string protocol;    // smtp, submission, smtps, pop3, pop3s, imap, imaps
  std::string host = "127.0.0.1";
  int port = 0;            // 0 = the protocol's port
  bool starttls = true;    // for smtp, submission, pop3, imap: upgrade when offered
  int interval_s = 60;
  int timeout_s = 10;
  std::string credentials; // a file only its owner can read ("user:password"); "" = no login
  std::string ca_file;     // certificates to trust besides the system's
};

struct Alert {
  std::string type;        // webhook, slack, teams, email, syslog, stdout
  std::string name;        // for logs and metrics; defaults to the type
  std::string url;         // webhook, slack, teams: http:// or https://
  std::string smtp_host;   // email
  int smtp_port = 587;
  bool starttls = true;      // email: STARTTLS required (port 465: TLS from the start)
  std::string ca_file;       // email: certificates to trust besides the system's
  std::string from;
  std::vector<std::string> to;
  std::string credentials; // email: a file only its owner can read ("user:password")
  std::string facility = "daemon";  // syslog
  std::string socket = "/dev/log";  // syslog: the local syslog daemon's datagram socket
  std::string language;    // "" = the configuration's
  int min_interval_s = 300;  // the same alert again at most this often (deduplication)
};

struct Config {
  std::string file;
  std::string language;      // ja, en; "" = from the locale
  std::string log_format = "text";  // keikai run's own messages on stderr: text or json
  std::string report_path;   // the HTML report keikai run rewrites at each evaluation ("" = none)
  std::string report_url;    // where people open it (alerts link to it); "" = report_path
  std::string timezone;      // IANA name; "" = JST for Japanese, else UTC
  std::string home_country = "JP";
  std::string store;         // a --db location; "" = the default database
  std::vector<Site> sites;
  std::string mail_site = "mail";    // the site name mail-log events are counted under
  std::vector<LogFile> mail_logs;
  std::string mail_log_timezone;     // zone of syslog lines without one; "" = the configuration's
  std::vector<MailService> mail_services;
  // Detection.
  bool behavior = true;
  std::string crs;           // a CRS directory, "debian", or "" = no CRS
  int paranoia = 1;
  uint64_t max_sources = 0;  // 0 = the built-in default
  bool verify_crawlers = false;
  // Surges.
  int window_days = 90;
  int min_history_days = 7;
  int evaluate_every_s = 300;
  int report_days = 400;
  int report_sites = 20;
  // Retention.
  int findings_days = 90;
  int hourly_days = 400;
  std::vector<Alert> alerts;
  // Metrics (Prometheus text format).
  bool metrics = true;
  std::string metrics_listen = "127.0.0.1:9464";
  bool metrics_allow_remote = false;  // a listen address off the loopback must say so
  std::string user;          // drop to this user after opening what is needed; "" = stay
  int read_every_s = 5;      // how often the daemon looks for new lines
};

struct Problem {
  std::string file;
  int line = 0, column = 0;  // 1-based; 0 = the whole file
  std::string key;           // "sites[1].logs[0].format"
  std::string why;           // in the user's language
  std::string ToString() const;  // "file:line:column: key: why"
};

// The files a configuration reads, each with its site, format, proxies and (mail) zone; each
// log after its rotated copies that exist now (ingest::RotatedCopies, oldest first).
std::vector<std::pair<std::string, pipeline::InputOptions>> Inputs(const Config& c);

// Parses and validates text (name is the file name used in problems); problems is filled,
// empty when the configuration is valid. Pure apart from checks of named files (credentials:
// present and private) and of names known to this build (formats, zones, stores).
Config Parse(std::string_view text, const std::string& name, std::vector<Problem>& problems);
// Reads the file first (an unreadable file is one problem).
Config Load(const std::string& path, std::vector<Problem>& problems);

}  // namespace keikai::config
