// Reading JSON request bodies of the console routes strictly: unknown fields refused,
// types and lengths checked, every error a 400 that names the field.
#pragma once

#include <string>
#include <utility>

#include "app/app.hpp"
#include "text.hpp"
#include "trailpack/encoding.hpp"
#include "trailpack/json_reader.hpp"

namespace trailpack::server {

/// Turns a JSON path error into the console's message style: `"name" is required`.
inline std::string field_message(const std::string& where, const std::string& message) {
  const bool phrase = message.rfind("is ", 0) == 0 || message.rfind("must ", 0) == 0 || message.rfind("unknown", 0) == 0 ||
                      message.rfind("appears ", 0) == 0;
  if (where.empty() || where == "$") return message;
  return "\"" + where + "\"" + (phrase ? " " : ": ") + message;
}

/// Parses the body and runs `read(JsonReader&)` on it; any failure is `400 invalid_request`.
template <typename F>
auto read_body(const Request& req, F&& read) {
  const nlohmann::json body = parse_body(req);
  using T = decltype(read(std::declval<JsonReader&>()));
  auto r = read_json_checked<T>("invalid_request", [&] {
    JsonReader rd(body, "");
    return read(rd);
  });
  if (!r) throw HttpError{400, "invalid_request", field_message(r.error().where, r.error().message), r.error().where, {}};
  return std::move(r).value();
}

/// A text field: at most `max` bytes of valid UTF-8 without NUL; `required` refuses "" too.
inline std::string text_field(const JsonReader& rd, const std::string& key, std::size_t max, bool required,
                              const std::string& fallback = {}) {
  std::string s = required ? rd.str(key) : rd.str_or(key, fallback);
  if (s.size() > max) rd.fail(key, "must be at most " + std::to_string(max) + " bytes");
  if (!is_storable_text(s)) rd.fail(key, "must be UTF-8 text without NUL characters");
  return s;
}

/// Query parameter as a whole number within bounds, or `fallback` when absent.
inline std::int64_t query_int(const Request& req, const std::string& name, std::int64_t fallback, std::int64_t min,
                              std::int64_t max) {
  auto v = req.query_param(name);
  if (!v) return fallback;
  std::int64_t n = 0;
  bool ok = !v->empty() && v->size() <= 12;
  for (char c : *v) ok = ok && c >= '0' && c <= '9';
  if (ok) n = std::stoll(*v);
  if (!ok || n < min || n > max)
    throw HttpError{400, "invalid_parameter",
                    name + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max), name, {}};
  return n;
}

/// Lower-cases an email and says what is wrong with it ("" when it looks like one).
inline std::string email_problem(std::string& email) {
  email = ascii_lower(email);
  const auto at = email.find('@');
  if (email.empty()) return "email is empty";
  if (at == std::string::npos || at == 0 || email.find('.', at) == std::string::npos || email.find(' ') != std::string::npos)
    return "\"" + email + "\" is not an email address";
  return {};
}

}  // namespace trailpack::server
