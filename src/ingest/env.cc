#include "keikai/ingest/env.h"

#include <algorithm>
#include <cerrno>

#include "keikai/core/i18n.h"

namespace keikai::ingest {
namespace {

class FileEnv : public Env {
 public:
  Result<std::unique_ptr<LineSource>> Open(const std::string& path, std::size_t max_line) override {
    return LineSource::Open(path, max_line);
  }
  Result<std::vector<std::string>> Expand(const std::vector<std::string>& patterns,
                                          std::vector<std::string>* skipped_dirs) override {
    return ExpandInputs(patterns, skipped_dirs);
  }
  const Clock& clock() const override { return clock_; }

 private:
  SystemClock clock_;
};

}  // namespace

Env& DefaultEnv() {
  static FileEnv env;
  return env;
}

Result<std::unique_ptr<LineSource>> MemEnv::Open(const std::string& path, std::size_t max_line) {
  auto it = files_.find(path);
  if (it == files_.end()) return Status::Error("open", path + ": " + ErrnoText(ENOENT));
  return LineSource::FromString(it->second, max_line);
}

Result<std::vector<std::string>> MemEnv::Expand(const std::vector<std::string>& patterns,
                                                std::vector<std::string>* skipped_dirs) {
  std::vector<std::string> out;
  for (const std::string& p : patterns) {
    if (files_.count(p) != 0) {
      out.push_back(p);
      continue;
    }
    const std::string dir = p.ends_with('/') ? p : p + "/";
    bool any = false;
    for (const auto& [name, data] : files_) {
      if (!name.starts_with(dir)) continue;
      const std::size_t slash = name.find('/', dir.size());
      if (slash != std::string::npos) {
        if (skipped_dirs != nullptr) skipped_dirs->push_back(name.substr(0, slash));
        continue;
      }
      out.push_back(name);
      any = true;
    }
    if (!any) return Status::Error("glob", std::string(Tr("read.no_match")) + ": " + p);
  }
  SortInputs(out);
  if (skipped_dirs != nullptr) {
    std::sort(skipped_dirs->begin(), skipped_dirs->end());
    skipped_dirs->erase(std::unique(skipped_dirs->begin(), skipped_dirs->end()), skipped_dirs->end());
  }
  return out;
}

bool MemEnv::Rename(const std::string& from, const std::string& to) {
  auto it = files_.find(from);
  if (it == files_.end()) return false;
  std::string data = std::move(it->second);
  files_.erase(it);
  files_[to] = std::move(data);
  return true;
}

void MemEnv::CopyTruncate(const std::string& from, const std::string& to) {
  files_[to] = files_[from];
  files_[from].clear();
}

}  // namespace keikai::ingest
