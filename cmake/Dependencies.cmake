# Every dependency is a Debian 12 package; scripts/install-deps.sh installs them.
# docs/DEPENDENCIES.md says why each was chosen.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(ZLIB REQUIRED)
pkg_check_modules(HS REQUIRED IMPORTED_TARGET libhs)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
pkg_check_modules(MAXMINDDB REQUIRED IMPORTED_TARGET libmaxminddb)
# Mail attachments (issue 15): MIME with GMime 3, archives with libarchive (docs/ARCHITECTURE.md).
pkg_check_modules(GMIME REQUIRED IMPORTED_TARGET gmime-3.0)
pkg_check_modules(LIBARCHIVE REQUIRED IMPORTED_TARGET libarchive)
pkg_check_modules(YARA REQUIRED IMPORTED_TARGET yara)
# libmilter (Debian libmilter-dev, static): keikai milter, the Postfix/Sendmail filter protocol.
pkg_check_modules(MILTER REQUIRED IMPORTED_TARGET milter)
# keikai sweep (issue 16): Run keys of an offline NTUSER.DAT (Debian libhivex-dev).
pkg_check_modules(HIVEX REQUIRED IMPORTED_TARGET hivex)
# Alert channels over HTTP(S): webhooks, Slack, Teams (Debian builds it with OpenSSL).
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
# OpenSSL: TLS for alert mail (STARTTLS, port 465) in notify/smtp.cc; cpp-httplib's https uses it too.
find_package(OpenSSL REQUIRED)
find_package(yaml-cpp REQUIRED)
if(KEIKAI_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(KEIKAI_BUILD_BENCH)
  find_package(benchmark QUIET)
endif()
