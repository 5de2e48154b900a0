#pragma once
// Status and Result<T>: how parsers of outside input report failure without throwing.
// A Status names what went wrong (a short machine code), a human message, and the offset in
// the input where it went wrong (npos when not applicable). Value types, cheap to move.
// Thread-safe as values (no shared state).

#include <cstddef>
#include <string>
#include <utility>
#include <variant>

namespace keikai {

class Status {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  Status() = default;  // OK
  static Status Ok() { return {}; }
  static Status Error(std::string code, std::string message, std::size_t offset = npos) {
    Status s;
    s.ok_ = false;
    s.code_ = std::move(code);
    s.message_ = std::move(message);
    s.offset_ = offset;
    return s;
  }

  bool ok() const { return ok_; }
  const std::string& code() const { return code_; }
  const std::string& message() const { return message_; }
  std::size_t offset() const { return offset_; }
  // "code: message (at offset N)"
  std::string ToString() const;

 private:
  bool ok_ = true;
  std::string code_;
  std::string message_;
  std::size_t offset_ = npos;
};

template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {}   // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }

 private:
  std::variant<T, Status> v_;
};

}  // namespace keikai
