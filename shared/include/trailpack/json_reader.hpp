// Strict reading of untrusted JSON with errors that name the JSON path.
//
//   JsonReader r(doc, "");               // root
//   auto title = r.str("title");         // required string
//   auto mods = r.array("modules");      // required array
//   for (auto& [m, i] : r.elements("modules")) ...
//
// Every failure throws detail::JsonPathError, which the public parse functions catch
// once and turn into an Error{code, message, where=path}. Unknown keys are refused so
// that a typo in a bundle is reported instead of silently ignored.
#pragma once

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "trailpack/result.hpp"

namespace trailpack {
namespace detail {

struct JsonPathError : std::runtime_error {
  std::string path;
  JsonPathError(std::string p, const std::string& msg) : std::runtime_error(msg), path(std::move(p)) {}
};

}  // namespace detail

/// A view on one JSON object with its path, reading fields strictly.
class JsonReader {
 public:
  JsonReader(const nlohmann::json& value, std::string path);

  const std::string& path() const { return path_; }
  const nlohmann::json& raw() const { return v_; }
  std::string child_path(const std::string& key) const;
  static std::string index_path(const std::string& base, std::size_t i);

  bool has(const std::string& key) const;
  std::string str(const std::string& key) const;
  std::string str_or(const std::string& key, const std::string& fallback) const;
  /// A string from a closed set; the error lists the allowed values.
  std::string one_of(const std::string& key, std::initializer_list<const char*> allowed, const char* fallback) const;
  double number(const std::string& key) const;
  double number_or(const std::string& key, double fallback) const;
  std::int64_t integer_or(const std::string& key, std::int64_t fallback, std::int64_t min, std::int64_t max) const;
  bool boolean_or(const std::string& key, bool fallback) const;
  std::vector<std::string> strings_or_empty(const std::string& key) const;
  /// Required non-empty array; returns readers for its elements (each must be an object).
  std::vector<JsonReader> objects(const std::string& key, bool allow_empty = false) const;
  std::vector<JsonReader> objects_or_empty(const std::string& key) const;

  /// Refuses keys outside `allowed`.
  void only(std::initializer_list<const char*> allowed) const;

  [[noreturn]] void fail(const std::string& key, const std::string& message) const;
  [[noreturn]] static void fail_at(const std::string& path, const std::string& message);

 private:
  const nlohmann::json& at(const std::string& key) const;
  const nlohmann::json& v_;
  std::string path_;
};

/// Runs `body` and converts a JsonPathError (or a nlohmann type error) into an Error.
template <typename T, typename F>
Result<T> read_json_checked(const std::string& code, F&& body) {
  try {
    return body();
  } catch (const detail::JsonPathError& e) {
    return make_error(code, e.what(), e.path);
  } catch (const nlohmann::json::exception& e) {
    return make_error(code, e.what());
  }
}

/// Deepest nesting of arrays and objects parse_json_text accepts. Copying, comparing and
/// writing JSON recurse once per level, so a small body nested a hundred thousand deep
/// would overflow the stack of whatever handles it; no Trailpack document (and no sane
/// xAPI extension) comes close to this.
inline constexpr std::size_t kMaxJsonDepth = 100;

/// Parses text as JSON without throwing; the error says line and column. Nesting deeper
/// than kMaxJsonDepth is refused like a syntax error.
Result<nlohmann::json> parse_json_text(const std::string& text, const std::string& where = {});

}  // namespace trailpack
