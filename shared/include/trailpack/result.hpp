// Result<T>: a value or an Error. Core functions return these instead of throwing;
// exceptions are stopped at the edges (wasm entry points, HTTP handlers, CLI main).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace trailpack {

/// An error with a stable machine code, a human message and, where it applies, where
/// it happened (a JSON path such as `modules[3].items[0].choices`, or `file:line`).
struct Error {
  std::string code;     ///< stable, snake_case: "invalid_bundle", "not_found", ...
  std::string message;  ///< one sentence for a person, says what is wrong
  std::string where;    ///< JSON path or file:line; empty when it does not apply

  /// "where: message", or just the message when there is no location.
  std::string describe() const { return where.empty() ? message : where + ": " + message; }
};

/// A value of type T, or an Error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}    // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &std::get<T>(v_); }
  const T* operator->() const { return &std::get<T>(v_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<Error>(v_); }

 private:
  std::variant<T, Error> v_;
};

/// Result of an operation with no value.
struct Unit {};
using Status = Result<Unit>;
inline Status ok_status() { return Unit{}; }

inline Error make_error(std::string code, std::string message, std::string where = {}) {
  return Error{std::move(code), std::move(message), std::move(where)};
}

}  // namespace trailpack
