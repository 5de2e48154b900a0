// Loading OWASP CRS as users install it (a CRS tree, or Debian's modsecurity-crs), with the
// engine configuration ModSecurity recommends before it.
#include <algorithm>
#include <filesystem>

#include "keikai/rules/engine.h"

namespace keikai::rules {

std::string EngineBaseConfig() {
  return R"(SecRuleEngine On
SecRequestBodyAccess On
SecRequestBodyLimit 13107200
SecRequestBodyNoFilesLimit 131072
SecRequestBodyLimitAction Reject
SecRequestBodyJsonDepthLimit 512
SecArgumentsLimit 1000
SecPcreMatchLimit 1000
SecPcreMatchLimitRecursion 1000
SecResponseBodyAccess On
SecResponseBodyMimeType text/plain text/html text/xml
SecResponseBodyLimit 524288
SecRule REQUEST_HEADERS:Content-Type "@rx ^(?:application(?:/soap\+|/)|text/)xml" \
  "id:200000,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=XML"
SecRule REQUEST_HEADERS:Content-Type "@rx ^application/json" \
  "id:200001,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=JSON"
SecRule REQBODY_ERROR "!@eq 0" \
  "id:200002,phase:2,t:none,log,deny,status:400,msg:'Failed to parse request body.',logdata:'%{reqbody_error_msg}',severity:2"
SecRule MULTIPART_STRICT_ERROR "!@eq 0" \
  "id:200003,phase:2,t:none,log,deny,status:400,msg:'Multipart request body failed strict validation'"
)";
}

Result<std::shared_ptr<const RuleSet>> LoadCrs(const std::string& dir, int paranoia_level,
                                               const std::string& cache_dir, bool for_logs,
                                               uint32_t request_budget_us) {
  namespace fs = std::filesystem;
  const std::string root = dir == "debian" ? std::string(kDebianCrsDir) : dir;
  if (paranoia_level < 1 || paranoia_level > 4) {
    return Status::Error("rules", "paranoia level must be 1 to 4, not " + std::to_string(paranoia_level));
  }
  std::vector<std::string> files;
  for (const std::string& setup : {root + "/crs-setup.conf", root + "/crs-setup.conf.example",
                                   std::string("/etc/modsecurity/crs/crs-setup.conf")}) {
    if (fs::exists(setup)) {
      files.push_back(setup);
      break;
    }
  }
  if (files.empty()) return Status::Error("rules", root + ": no crs-setup.conf(.example) found");
  std::vector<std::string> rules;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root + "/rules", ec)) {
    if (e.path().extension() == ".conf") rules.push_back(e.path().string());
  }
  if (ec || rules.empty()) return Status::Error("rules", root + "/rules: no rule files (" + ec.message() + ")");
  std::sort(rules.begin(), rules.end());
  files.insert(files.end(), rules.begin(), rules.end());
  EngineOptions eo;
  eo.cache_dir = cache_dir;
  eo.request_budget_us = request_budget_us;
  const std::string pl = std::to_string(paranoia_level);
  eo.prelude = EngineBaseConfig() + "SecRuleEngine DetectionOnly\n" +
               "SecAction \"id:900000,phase:1,pass,nolog,setvar:tx.blocking_paranoia_level=" + pl +
               ",setvar:tx.paranoia_level=" + pl + "\"\n";
  if (for_logs) eo.postlude = "SecRuleRemoveByTag attack-protocol\n";
  return RuleSet::Load(files, eo);
}

}  // namespace keikai::rules
